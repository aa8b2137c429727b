package logintegrity_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/logintegrity"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

var ctx = context.Background()

// t0 is when the scenarios' trails start logging (emulator clock).
var t0 = time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC)

const (
	bucket  = "central-trail-logs"
	account = awsemu.DefaultAccountID
	home    = "us-east-1"
)

// scenario is an emulator with a logging trail that delivered hours of
// logs and digests.
type scenario struct {
	t      *testing.T
	srv    *awsemu.Server
	url    string
	trail  string // ARN
	hours  int
	target logintegrity.Target
}

func (s *scenario) cfg(ak, sk, region string) aws.Config {
	return aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""),
		BaseEndpoint: aws.String(s.url), RetryMaxAttempts: 1}
}

func (s *scenario) s3() *s3.Client {
	return s3.NewFromConfig(s.cfg(awsemu.DefaultAccessKeyID, awsemu.DefaultSecretAccessKey, home), func(o *s3.Options) { o.UsePathStyle = true })
}

// newScenario starts an emulator whose trail "main" logged hours hours
// from t0 with an event every ten minutes.
func newScenario(t *testing.T, hours int) *scenario {
	t.Helper()
	srv := awsemu.New(awsemu.Options{Regions: []string{"us-east-1", "eu-west-1"}, DigestKeyRotation: 4 * time.Hour})
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	s := &scenario{t: t, srv: srv, url: u, hours: hours}
	if err := srv.SetClock(t0); err != nil {
		t.Fatal(err)
	}
	cfg := s.cfg(awsemu.DefaultAccessKeyID, awsemu.DefaultSecretAccessKey, home)
	if _, err := s.s3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	ct := cloudtrail.NewFromConfig(cfg)
	out, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String(bucket), EnableLogFileValidation: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	s.trail = *out.TrailARN
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	for m := 3; m < hours*60; m += 10 {
		srv.AddEvent(awsemu.EventInput{AccountID: account, Region: home, EventName: "PutObject", EventSource: "s3.amazonaws.com", EventTime: t0.Add(time.Duration(m) * time.Minute)})
	}
	if err := srv.AdvanceClock(time.Duration(hours) * time.Hour); err != nil {
		t.Fatal(err)
	}
	s.target = logintegrity.Target{TrailName: "main", HomeRegion: home, Bucket: bucket, Accounts: []string{account},
		Regions: []string{home}, Start: t0, End: t0.Add(time.Duration(hours) * time.Hour)}
	return s
}

// verify runs the verifier and returns its results by key (gaps under
// "gap:START").
func (s *scenario) verify(keys logintegrity.KeySource) (map[string]logintegrity.Result, logintegrity.Summary) {
	s.t.Helper()
	a := logintegrity.NewAWS(s.cfg(awsemu.DefaultAccessKeyID, awsemu.DefaultSecretAccessKey, home), home)
	if keys == nil {
		keys = a
	}
	var mu sync.Mutex
	out := map[string]logintegrity.Result{}
	sum, err := logintegrity.Verify(ctx, a, keys, s.target, logintegrity.Options{Parallel: 4}, func(r logintegrity.Result) {
		mu.Lock()
		defer mu.Unlock()
		k := r.Key
		if r.Kind == logintegrity.KindGap {
			k = "gap:" + r.Start.Format(time.RFC3339)
		}
		if _, dup := out[k]; dup {
			s.t.Errorf("two results for %s", k)
		}
		out[k] = r
	})
	if err != nil {
		s.t.Fatalf("Verify: %v", err)
	}
	return out, sum
}

// keys lists the objects under prefix.
func (s *scenario) keys(prefix string) []string {
	s.t.Helper()
	var out []string
	p := s3.NewListObjectsV2Paginator(s.s3(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.t.Fatal(err)
		}
		for _, o := range page.Contents {
			out = append(out, *o.Key)
		}
	}
	sort.Strings(out)
	return out
}

func (s *scenario) digests() []string {
	return s.keys("AWSLogs/" + account + "/CloudTrail-Digest/" + home + "/")
}

func (s *scenario) logs() []string { return s.keys("AWSLogs/" + account + "/CloudTrail/" + home + "/") }

func (s *scenario) get(key string) ([]byte, map[string]string) {
	s.t.Helper()
	out, err := s.s3().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		s.t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	return b, out.Metadata
}

func (s *scenario) put(key string, body []byte, meta map[string]string) {
	s.t.Helper()
	if _, err := s.s3().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body), Metadata: meta}); err != nil {
		s.t.Fatal(err)
	}
}

func (s *scenario) del(key string) {
	s.t.Helper()
	if _, err := s.s3().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		s.t.Fatal(err)
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// overwriteLog replaces a log file with other (valid gzip) content.
func (s *scenario) overwriteLog(key string) {
	raw, meta := s.get(key)
	content := gunzip(s.t, raw)
	changed := bytes.Replace(content, []byte(`"eventName":"`), []byte(`"eventName":"Hidden`), 1)
	if bytes.Equal(changed, content) {
		s.t.Fatalf("log %s has no event to change", key)
	}
	s.put(key, gz(changed), meta)
}

// resignForeign rewrites a digest to name a key of its own and signs it
// with that key, as someone without CloudTrail's key would.
func (s *scenario) resignForeign(key string) {
	raw, _ := s.get(key)
	var doc map[string]any
	if err := json.Unmarshal(gunzip(s.t, raw), &doc); err != nil {
		s.t.Fatal(err)
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		s.t.Fatal(err)
	}
	fp := md5.Sum(x509.MarshalPKCS1PublicKey(&priv.PublicKey))
	doc["digestPublicKeyFingerprint"] = hex.EncodeToString(fp[:])
	doc["logFiles"] = []any{}
	content, _ := json.Marshal(doc)
	sum := sha256.Sum256(content)
	prev, _ := doc["previousDigestSignature"].(string)
	if prev == "" {
		prev = "null"
	}
	sig, err := awsemu.SignDigest(priv, doc["digestEndTime"].(string), bucket+"/"+key, hex.EncodeToString(sum[:]), prev)
	if err != nil {
		s.t.Fatal(err)
	}
	s.put(key, gz(content), map[string]string{"signature": sig, "signature-algorithm": "SHA256withRSA"})
}

// editDigest changes a digest's JSON and keeps its old signature.
func (s *scenario) editDigest(key string, edit func(map[string]any)) {
	raw, meta := s.get(key)
	var doc map[string]any
	if err := json.Unmarshal(gunzip(s.t, raw), &doc); err != nil {
		s.t.Fatal(err)
	}
	edit(doc)
	content, _ := json.Marshal(doc)
	s.put(key, gz(content), meta)
}

// statuses summarises results as "kind/status" counts, sorted.
func statuses(rs map[string]logintegrity.Result) string {
	n := map[string]int{}
	for _, r := range rs {
		n[string(r.Kind)+"/"+string(r.Status)]++
	}
	var parts []string
	for k, v := range n {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}
