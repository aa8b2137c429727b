package harness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// IntegritySpec is a log integrity workload: one organization trail
// (single-region, log file validation on) delivering Hours hours of log
// files and hourly digests for each of Accounts accounts to one bucket.
type IntegritySpec struct {
	Name     string
	Accounts int
	Hours    int
}

// I1 is the log integrity reference workload: 20 accounts, 7 days.
var I1 = IntegritySpec{Name: "I1", Accounts: 20, Hours: 7 * 24}

// IntegritySpecs are the log integrity workloads by name.
var IntegritySpecs = map[string]IntegritySpec{"I1": I1}

// String describes the workload.
func (s IntegritySpec) String() string {
	days := ""
	if s.Hours%24 == 0 {
		days = " (" + plural(s.Hours/24, "day") + ")"
	}
	return fmt.Sprintf("one organization trail, %s, %s%s of hourly digests and log files, %d events an hour per account on average",
		plural(s.Accounts, "account"), plural(s.Hours, "hour"), days, MeanEventsPerHour)
}

// IntegrityHome is the integrity trail's home region, the only region it
// logs (aws-cli's validate-logs reads the home region's digests only).
const IntegrityHome = seed.DefaultRegion

// IntegrityTrailName and IntegrityBucket name the trail and its bucket.
const (
	IntegrityTrailName = "org-trail"
	IntegrityBucket    = "org-trail-logs"
)

// MeanEventsPerHour is the mean number of management events an account
// logs an hour in the integrity workloads. Accounts differ (a few busy
// production accounts, quieter ones), and so do hours (day against night),
// so some 5-minute log files hold one event and others hundreds, and a
// quiet account's hour has 5-minute slots without any file.
const MeanEventsPerHour = 300

// Integrity is an emulator whose organization trail delivered a spec's
// hours of logs and digests.
type Integrity struct {
	*Env
	Spec IntegritySpec
	// TrailARN is the organization trail; AccountIDs the accounts it
	// delivers for, the management account first.
	TrailARN   string
	AccountIDs []string
	// Events is the number of events the accounts logged.
	Events int
	// Start and End span the delivered hours (whole hours, End in the
	// past on the wall clock, so a window up to End is never "in the
	// future").
	Start, End time.Time

	reads *readLog
}

// readLog records which objects were read with GetObject, and how often.
type readLog struct {
	mu     sync.Mutex
	bucket string
	keys   map[string]int
}

func (l *readLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// GetObject, path-style: GET /BUCKET/KEY (bucket reads have no key)
		if r.Method == http.MethodGet {
			if key, ok := strings.CutPrefix(r.URL.Path, "/"+l.bucket+"/"); ok && key != "" {
				l.mu.Lock()
				l.keys[key]++
				l.mu.Unlock()
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Reads returns how many times each object was read since the last
// ResetReads.
func (i *Integrity) Reads() map[string]int {
	i.reads.mu.Lock()
	defer i.reads.mu.Unlock()
	out := make(map[string]int, len(i.reads.keys))
	for k, n := range i.reads.keys {
		out[k] = n
	}
	return out
}

// ResetReads empties the object read log and the request log.
func (i *Integrity) ResetReads() {
	i.reads.mu.Lock()
	i.reads.keys = map[string]int{}
	i.reads.mu.Unlock()
	i.Server.ResetCalls()
}

// StartIntegrity starts the emulator (home region only) and has the
// organization trail deliver spec's hours, at zero latency: an hour of
// events for every account, then the clock moves an hour and the emulator
// delivers it, and the delivered events are forgotten, so delivering a
// week holds one hour of events at a time. The request log is empty on
// return.
func StartIntegrity(ctx context.Context, spec IntegritySpec) (_ *Integrity, err error) {
	if spec.Accounts < 1 || spec.Hours < 1 {
		return nil, fmt.Errorf("harness: %s needs an account and an hour", spec.Name)
	}
	reads := &readLog{bucket: IntegrityBucket, keys: map[string]int{}}
	srv := awsemu.New(awsemu.Options{Regions: []string{IntegrityHome}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("harness: listen: %w", err)
	}
	e := &Env{Server: srv, URL: "http://" + ln.Addr().String(),
		httpSrv: &http.Server{Handler: reads.wrap(srv.Handler()), ReadHeaderTimeout: 10 * time.Second}, seedHTTP: awshttp.NewBuildableClient()}
	go func() { _ = e.httpSrv.Serve(ln) }()
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	mgmt := &Account{Connection: "org", AccessKey: awsemu.DefaultAccessKeyID, SecretKey: awsemu.DefaultSecretAccessKey}
	e.Accounts = []*Account{mgmt}
	i := &Integrity{Env: e, Spec: spec, reads: reads}
	i.AccountIDs = []string{awsemu.DefaultAccountID}
	org := awsemu.Organization{ManagementAccountID: awsemu.DefaultAccountID, Accounts: []awsemu.OrgAccount{{AccountID: awsemu.DefaultAccountID, Name: "management"}}}
	for n := 1; n < spec.Accounts; n++ {
		id := fmt.Sprintf("%012d", 200000000000+n)
		i.AccountIDs = append(i.AccountIDs, id)
		org.Accounts = append(org.Accounts, awsemu.OrgAccount{AccountID: id, Name: fmt.Sprintf("member-%02d", n)})
	}
	if err := srv.SetOrganization(org); err != nil {
		return nil, fmt.Errorf("harness: organization: %w", err)
	}
	// Whole hours ending an hour before now: every window is in the past.
	i.End = time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	i.Start = i.End.Add(-time.Duration(spec.Hours) * time.Hour)
	if err := srv.SetClock(i.Start); err != nil {
		return nil, err
	}
	c, err := seed.NewClients(e.target(mgmt), IntegrityHome)
	if err != nil {
		return nil, err
	}
	if _, err := c.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(IntegrityBucket)}); err != nil {
		return nil, fmt.Errorf("harness: creating the log bucket: %w", err)
	}
	i.TrailARN, err = srv.AddOrganizationTrail(awsemu.OrganizationTrail{OwnerAccountID: awsemu.DefaultAccountID, MemberAccountIDs: i.AccountIDs[1:],
		Name: IntegrityTrailName, HomeRegion: IntegrityHome, S3BucketName: IntegrityBucket, IsLogging: true,
		LogFileValidationEnabled: true, MemberCanReadStatus: true, IncludeGlobalServiceEvents: true})
	if err != nil {
		return nil, fmt.Errorf("harness: the organization trail: %w", err)
	}
	for h := range spec.Hours {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		from := i.Start.Add(time.Duration(h) * time.Hour)
		for n, id := range i.AccountIDs {
			i.Events += addHourOfEvents(srv, id, n, from)
		}
		if err := srv.AdvanceClock(time.Hour); err != nil {
			return nil, fmt.Errorf("harness: delivering %s: %w", from.Format(time.RFC3339), err)
		}
		srv.ForgetEventsBefore(from.Add(time.Hour))
	}
	i.ResetReads()
	return i, nil
}

// eventKinds are the management events the workload logs: what an
// organization's accounts do most (role sessions, describes, console
// sign-ins, KMS and S3 configuration), with the share of each.
var eventKinds = []struct {
	name, source string
	readOnly     bool
	weight       int
}{
	{"AssumeRole", "sts.amazonaws.com", true, 30},
	{"Decrypt", "kms.amazonaws.com", true, 20},
	{"DescribeInstances", "ec2.amazonaws.com", true, 15},
	{"GetBucketAcl", "s3.amazonaws.com", true, 10},
	{"ListBuckets", "s3.amazonaws.com", true, 5},
	{"DescribeTrails", "cloudtrail.amazonaws.com", true, 5},
	{"GenerateDataKey", "kms.amazonaws.com", true, 5},
	{"PutBucketPolicy", "s3.amazonaws.com", false, 3},
	{"RunInstances", "ec2.amazonaws.com", false, 3},
	{"ConsoleLogin", "signin.amazonaws.com", false, 2},
	{"CreateLogStream", "logs.amazonaws.com", false, 2},
}

// eventsThisHour is how many events account n logs in the hour from:
// account n's own level (a few accounts ten times busier than most) times
// the hour of day (a working-day peak, quiet nights), with some noise.
func eventsThisHour(n int, from time.Time, r *rand.Rand) int {
	level := []float64{2.5, 1.0, 0.4, 1.6, 0.2, 0.8, 1.2, 0.3, 3.0, 0.6}[n%10]
	hour := from.Hour()
	day := 0.35
	if hour >= 7 && hour < 19 {
		day = 1.65
	}
	return int(float64(MeanEventsPerHour) * level / 1.16 * day * (0.75 + r.Float64()/2))
}

// addHourOfEvents records account n's events of the hour from and
// returns how many.
func addHourOfEvents(srv *awsemu.Server, account string, n int, from time.Time) int {
	r := rand.New(rand.NewPCG(uint64(n), uint64(from.Unix())))
	total := 0
	for _, k := range eventKinds {
		total += k.weight
	}
	count := eventsThisHour(n, from, r)
	at := make([]time.Duration, count)
	for j := range at {
		at[j] = time.Duration(r.Int64N(int64(time.Hour)))
	}
	sort.Slice(at, func(a, b int) bool { return at[a] < at[b] })
	for j := range count {
		pick := r.IntN(total)
		k := eventKinds[0]
		for _, c := range eventKinds {
			if pick < c.weight {
				k = c
				break
			}
			pick -= c.weight
		}
		srv.AddEvent(awsemu.EventInput{AccountID: account, Region: IntegrityHome, EventName: k.name, EventSource: k.source,
			EventTime: from.Add(at[j]), ReadOnly: k.readOnly, UserName: fmt.Sprintf("role-%d", r.IntN(8)),
			UserAgent: "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.23 md/GOOS#linux md/GOARCH#amd64 api/" + k.source,
			SourceIP:  fmt.Sprintf("10.%d.%d.%d", n, r.IntN(256), r.IntN(256)),
			Request: map[string]any{"roleArn": "arn:aws:iam::" + account + ":role/app-" + fmt.Sprint(r.IntN(20)),
				"roleSessionName": fmt.Sprintf("session-%08x", r.Uint32()), "durationSeconds": 3600},
			Response: map[string]any{"credentials": map[string]any{"accessKeyId": fmt.Sprintf("ASIA%016X", r.Uint64()),
				"expiration": from.Add(at[j] + time.Hour).Format(time.RFC1123)}}})
	}
	return count
}

// Connection is the connection that verifies the trail: the management
// account's keys (the trail's owner, which owns the bucket too).
func (i *Integrity) Connection() inproc.Connection {
	return i.Connections("")[0]
}

// Window is the last hours of the delivered span, [End-hours, End].
func (i *Integrity) Window(hours int) (time.Time, time.Time) {
	return i.End.Add(-time.Duration(hours) * time.Hour), i.End
}

// ObjectsIn lists the bucket and returns the keys of the objects a
// verification of the whole-hour window [start, end] reads: the digest
// files whose digestEndTime lies in the window, bounds included, and the
// log files they list (their 5-minute slot ends within the digest's hour),
// in every account. A window starting after the trail started logging
// thus includes the digest ending at its start, the hour before it: the
// table's period_end >= start includes that digest.
func (i *Integrity) ObjectsIn(ctx context.Context, start, end time.Time) ([]Object, error) {
	c, err := seed.NewClients(i.target(i.Accounts[0]), IntegrityHome)
	if err != nil {
		return nil, err
	}
	var out []Object
	p := s3.NewListObjectsV2Paginator(c.S3, &s3.ListObjectsV2Input{Bucket: aws.String(IntegrityBucket), Prefix: aws.String("AWSLogs/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("harness: listing the log bucket: %w", err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			at, ok := keyTime(k)
			if !ok {
				return nil, fmt.Errorf("harness: %s is neither a log file nor a digest file", k)
			}
			from := start.Add(-time.Hour) // a log file's slot ends after its digest's start
			if strings.Contains(k, "/CloudTrail-Digest/") {
				from = start.Add(-time.Nanosecond)
			}
			if at.After(from) && !at.After(end) {
				out = append(out, Object{Key: k, Size: aws.ToInt64(o.Size), Digest: strings.Contains(k, "/CloudTrail-Digest/")})
			}
		}
	}
	return out, nil
}

// Object is an object of the log bucket.
type Object struct {
	Key string
	// Size is its stored (gzipped) size in bytes.
	Size int64
	// Digest: a digest file, not a log file.
	Digest bool
}

// keyTime reads the time in a log file's name (its 5-minute slot's end,
// YYYYMMDDTHHmmZ) or a digest file's (digestEndTime, YYYYMMDDTHHmmssZ).
func keyTime(key string) (time.Time, bool) {
	parts := strings.Split(strings.TrimSuffix(key[strings.LastIndex(key, "/")+1:], ".json.gz"), "_")
	for _, p := range parts {
		for _, layout := range []string{"20060102T150405Z", "20060102T1504Z"} {
			if len(p) == len(layout) {
				if t, err := time.Parse(layout, p); err == nil {
					return t, true
				}
			}
		}
	}
	return time.Time{}, false
}

// IntegrityQuals are the quals `cloudtrailcc verify` sends for the window
// [start, end] of one trail.
func IntegrityQuals(trailARN string, start, end time.Time) []inproc.Qual {
	return []inproc.Qual{{Column: "period_end", Operator: ">=", Value: start}, {Column: "period_start", Operator: "<=", Value: end},
		{Column: "trail_arn", Operator: "=", Value: trailARN}}
}

// IntegrityTable is the log integrity table.
const IntegrityTable = "cloudtrailcc_log_integrity"

// Verdicts counts a verification's rows by "kind status" ("digest valid",
// "log modified", "gap not_found").
type Verdicts map[string]int

// Total is the number of rows.
func (v Verdicts) Total() int {
	n := 0
	for _, c := range v {
		n += c
	}
	return n
}

// AllValid says whether every row is a valid digest or log file.
func (v Verdicts) AllValid() bool {
	for k, n := range v {
		if n > 0 && k != "digest valid" && k != "log valid" {
			return false
		}
	}
	return len(v) > 0
}

// Verify queries cloudtrailcc_log_integrity on connection for the trail
// over [start, end], as `cloudtrailcc verify` does, counting the rows by
// kind and status as they arrive rather than keeping them, and returns the
// counts and the query's wall time.
func Verify(ctx context.Context, c *inproc.Client, connection, trailARN string, start, end time.Time) (Verdicts, time.Duration, error) {
	v := Verdicts{}
	began := time.Now()
	err := c.Scan(ctx, connection, IntegrityTable, []string{"kind", "status"}, IntegrityQuals(trailARN, start, end), func(r inproc.Row) error {
		kind, _ := r["kind"].(string)
		status, _ := r["status"].(string)
		v[kind+" "+status]++
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("harness: %s on %s: %w", IntegrityTable, connection, err)
	}
	return v, time.Since(began), nil
}
