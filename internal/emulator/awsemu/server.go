package awsemu

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultRegions are the enabled regions when Options.Regions is empty: the
// seventeen standard regions that need no opt-in.
var DefaultRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
	"ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-southeast-1", "ap-southeast-2", "sa-east-1",
}

// DefaultOptInRegions are the partition regions that exist but are not opted
// in when Options.OptInRegions is empty.
var DefaultOptInRegions = []string{"af-south-1", "me-south-1", "ap-east-1"}

// Default credentials: like LocalStack, access key "test" with secret "test"
// belongs to account 123456789012.
const (
	DefaultAccessKeyID     = "test"
	DefaultSecretAccessKey = "test"
	DefaultAccountID       = "123456789012"
)

// DefaultLookupEventsRate is CloudTrail's LookupEvents quota: two requests per
// second per account per region.
const DefaultLookupEventsRate = 2.0

// Options configure a Server. The zero value is a usable default.
type Options struct {
	// Regions are the enabled regions; default DefaultRegions.
	Regions []string
	// OptInRegions exist in the partition but are not opted in
	// (DescribeRegions with AllRegions shows them as not-opted-in); default
	// DefaultOptInRegions.
	OptInRegions []string
	// Latency is added to every AWS call (not to control calls).
	Latency time.Duration
	// LookupEventsRate is the LookupEvents token-bucket rate per account and
	// region in requests per second: 0 means DefaultLookupEventsRate (AWS's
	// quota), a negative value disables the limit.
	LookupEventsRate float64
	// MaxTrailsPerRegion is the trail quota per account and region (a
	// multi-region trail counts in every region): 0 means
	// DefaultMaxTrailsPerRegion (AWS's 5), a negative value disables it.
	MaxTrailsPerRegion int
	// ModernBucketDefaults gives new buckets what AWS gives them since April
	// 2023: Block Public Access on (all four settings) and Object Ownership
	// BucketOwnerEnforced. Off by default, so a new bucket has neither
	// configuration (NoSuchPublicAccessBlockConfiguration,
	// OwnershipControlsNotFoundError) unless the caller sets them.
	ModernBucketDefaults bool
	// DigestKeyRotation is how long one digest signing key is used before
	// the next; default DefaultDigestKeyRotation.
	DigestKeyRotation time.Duration
}

// Server is the AWS-compatible emulator: an http.Handler speaking the wire
// protocols of STS, EC2, CloudTrail, S3, S3 Control, SNS, KMS, CloudWatch
// Logs, IAM and Organizations, plus the test-only control endpoint under
// /_emulator/.
type Server struct {
	opts     Options
	enabled  map[string]bool
	optIn    map[string]bool
	st       *state
	calls    callLog
	faults   faultSet
	lookups  lookupLimiter
	latency  latencySetting
	handler  http.Handler
	services []*service

	mu       sync.Mutex
	listener net.Listener
	httpSrv  *http.Server
	url      string
}

// New returns a Server with the given options and the default account
// (DefaultAccessKeyID / DefaultSecretAccessKey => DefaultAccountID). It does
// no I/O; call Start to listen or use Handler.
func New(opts Options) *Server {
	if len(opts.Regions) == 0 {
		opts.Regions = append([]string(nil), DefaultRegions...)
	}
	if opts.OptInRegions == nil {
		opts.OptInRegions = append([]string(nil), DefaultOptInRegions...)
	}
	if opts.MaxTrailsPerRegion == 0 {
		opts.MaxTrailsPerRegion = DefaultMaxTrailsPerRegion
	}
	if opts.LookupEventsRate == 0 {
		opts.LookupEventsRate = DefaultLookupEventsRate
	}
	s := &Server{
		opts:    opts,
		enabled: map[string]bool{},
		optIn:   map[string]bool{},
		st:      newState(),
	}
	for _, r := range opts.Regions {
		s.enabled[r] = true
	}
	for _, r := range opts.OptInRegions {
		if !s.enabled[r] {
			s.optIn[r] = true
		}
	}
	if opts.DigestKeyRotation <= 0 {
		opts.DigestKeyRotation = DefaultDigestKeyRotation
	}
	s.st.digestKeys.period = opts.DigestKeyRotation
	s.st.clock.t = time.Now().UTC().Truncate(time.Second)
	s.latency.set(opts.Latency)
	s.lookups.init(opts.LookupEventsRate)
	s.st.addAccount(DefaultAccessKeyID, DefaultSecretAccessKey, DefaultAccountID)
	s.services = s.newServices()
	mux := http.NewServeMux()
	mux.Handle(controlPrefix, http.HandlerFunc(s.serveControl))
	mux.Handle("/", http.HandlerFunc(s.serveAWS))
	s.handler = mux
	return s
}

// Start listens on addr (for example "127.0.0.1:0") and serves in the
// background. It returns the base URL, e.g. "http://127.0.0.1:40123".
func (s *Server) Start(addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener != nil {
		return "", errors.New("awsemu: server already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("awsemu: listen on %s: %w", addr, err)
	}
	s.listener = ln
	s.httpSrv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String()
	srv := s.httpSrv
	go func() { _ = srv.Serve(ln) }()
	return s.url, nil
}

// URL is the base URL returned by Start ("" before Start).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops the listener and waits briefly for in-flight requests.
func (s *Server) Close() error {
	s.mu.Lock()
	srv := s.httpSrv
	s.httpSrv, s.listener = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	// Let requests in flight finish briefly, then close what is left:
	// net/http waits up to five seconds for connections a client opened but
	// never used, which would only slow every test down.
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("awsemu: shutdown: %w", err)
	}
	if err := srv.Close(); err != nil {
		return fmt.Errorf("awsemu: close: %w", err)
	}
	return nil
}

// Handler returns the emulator as an http.Handler (AWS APIs and the control
// endpoint), for callers that run their own server.
func (s *Server) Handler() http.Handler { return s.handler }

// AddAccount registers credentials for an account. Requests signed with
// accessKeyID act as accountID.
func (s *Server) AddAccount(accessKeyID, secretAccessKey, accountID string) {
	s.st.addAccount(accessKeyID, secretAccessKey, accountID)
}

// SetLatency changes the latency added to every AWS call.
func (s *Server) SetLatency(d time.Duration) { s.latency.set(d) }

// request is one AWS call being served.
type request struct {
	r         *http.Request
	body      []byte
	svc       *service
	op        string // operation name, e.g. "DescribeTrails"
	action    string // IAM-style action, e.g. "cloudtrail:DescribeTrails"
	account   string
	region    string
	accessKey string
	// principal and principalID are the assumed-role ARN and id of
	// temporary credentials ("" for an access key of the account itself).
	principal, principalID string
	requestID              string
	sourceIP               string
	userAgent              string
	now                    time.Time
	// route holds protocol-specific routing results (S3 bucket name, ...).
	bucket string
}

// serveAWS runs the pipeline every AWS call goes through: route, authenticate,
// latency, faults, handler, CloudTrail event, request log.
func (s *Server) serveAWS(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	body = decodeAWSChunked(r, body)
	q := &request{
		r:         r,
		body:      body,
		requestID: newRequestID(),
		sourceIP:  clientIP(r),
		userAgent: r.UserAgent(),
		now:       time.Now().UTC(),
	}
	q.svc, q.op, err = s.route(r, body)
	if err != nil {
		writeUnrouted(w, q, err)
		return
	}
	q.action = q.svc.actionName(q.op, q.r)
	q.region = scopeRegion(r)

	// The answer is buffered so the call is in the request log before the
	// client can see the response: a test that reads the log right after a
	// call returns finds it there.
	buf := &bufferedResponse{header: http.Header{}}
	status, code := s.serveRouted(buf, q)
	s.calls.add(Call{
		Action:    q.action,
		Region:    q.region,
		AccountID: q.account,
		Status:    status,
		ErrorCode: code,
		Time:      q.now,
	})
	buf.copyTo(w)
}

// writeUnrouted answers a request no service claims in the shape its
// client parses: awsJson for an X-Amz-Target, awsQuery for a form post,
// plain text otherwise.
func writeUnrouted(w http.ResponseWriter, q *request, err error) {
	switch {
	case q.r.Header.Get("X-Amz-Target") != "":
		jsonProtocol{}.writeErrorOnly(w, q, newErr("UnknownOperationException", err.Error()))
	case strings.HasPrefix(q.r.Header.Get("Content-Type"), formContentType):
		queryProtocol{}.writeErrorOnly(w, q, newErr("InvalidAction", err.Error()))
	default:
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

// bufferedResponse holds a response until the request is logged.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedResponse) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}

func (s *Server) serveRouted(w http.ResponseWriter, q *request) (int, string) {
	if aerr := s.authenticate(q); aerr != nil {
		return q.svc.proto.writeError(w, q, aerr)
	}
	if aerr := s.checkRegion(q); aerr != nil {
		return q.svc.proto.writeError(w, q, aerr)
	}
	delay := s.latency.get()
	f := s.faults.match(q)
	if f != nil {
		delay += f.Latency
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-q.r.Context().Done():
		}
	}
	var out any
	var aerr *apiError
	if f != nil && f.ErrorCode != "" {
		aerr = q.svc.faultError(f)
	} else {
		h := q.svc.ops[q.op]
		if h == nil {
			aerr = q.svc.unknownOperation(q.op)
		} else {
			out, aerr = h(q)
		}
	}
	if q.svc.name == "cloudtrail" && mutatingTrailOps[q.op] {
		s.recordTrailEvent(q, out, aerr)
	}
	if aerr != nil {
		return q.svc.proto.writeError(w, q, aerr)
	}
	return q.svc.proto.writeResult(w, q, out), ""
}

// checkRegion refuses calls to regions that are not enabled for the account,
// as AWS does (the credentials are not valid there). us-east-1 cannot be
// disabled on AWS, so it always answers (global calls go there). S3 is global
// here: its bucket region checks happen per bucket.
func (s *Server) checkRegion(q *request) *apiError {
	if q.svc.name == "s3" || s.enabled[q.region] || q.region == "us-east-1" {
		return nil
	}
	return q.svc.errs.unknownKey.withMessage("The security token included in the request is invalid.")
}

type latencySetting struct {
	mu sync.Mutex
	d  time.Duration
}

func (l *latencySetting) set(d time.Duration) { l.mu.Lock(); l.d = d; l.mu.Unlock() }
func (l *latencySetting) get() time.Duration  { l.mu.Lock(); defer l.mu.Unlock(); return l.d }

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// decodeAWSChunked removes aws-chunked framing (used by the SDK for trailing
// checksums) so handlers see the plain payload.
func decodeAWSChunked(r *http.Request, body []byte) []byte {
	if !strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") {
		return body
	}
	var out []byte
	rest := body
	for len(rest) > 0 {
		i := strings.Index(string(rest), "\r\n")
		if i < 0 {
			break
		}
		head := string(rest[:i])
		if j := strings.IndexByte(head, ';'); j >= 0 {
			head = head[:j]
		}
		var n int
		if _, err := fmt.Sscanf(head, "%x", &n); err != nil || n == 0 {
			break
		}
		rest = rest[i+2:]
		if n > len(rest) {
			n = len(rest)
		}
		out = append(out, rest[:n]...)
		rest = rest[n:]
		rest = []byte(strings.TrimPrefix(string(rest), "\r\n"))
	}
	return out
}
