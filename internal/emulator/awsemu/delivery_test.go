package awsemu

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestObjectsStoreMetadataListAndDelete(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.s3("us-east-1")
	must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("objs")}))
	for _, k := range []string{"a/1", "a/2", "a/3", "b/1"} {
		must(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("objs"), Key: aws.String(k),
			Body: strings.NewReader("body " + k), Metadata: map[string]string{"signature": "ab" + k}}))
	}
	got := must(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("objs"), Key: aws.String("a/2")}))
	body, _ := io.ReadAll(got.Body)
	if string(body) != "body a/2" || got.Metadata["signature"] != "aba/2" {
		t.Fatalf("GetObject = %q meta %v", body, got.Metadata)
	}
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("objs"), Prefix: aws.String("a/"), StartAfter: aws.String("a/1"), MaxKeys: aws.Int32(1)})
	pages := 0
	for p.HasMorePages() {
		page := must(p.NextPage(ctx))
		pages++
		for _, o := range page.Contents {
			keys = append(keys, *o.Key)
		}
	}
	if strings.Join(keys, ",") != "a/2,a/3" || pages != 2 {
		t.Fatalf("ListObjectsV2 = %v in %d pages, want a/2,a/3 in 2", keys, pages)
	}
	v1 := must(c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("objs"), Marker: aws.String("a/3")}))
	if len(v1.Contents) != 1 || *v1.Contents[0].Key != "b/1" {
		t.Fatalf("ListObjects after a/3 = %+v", v1.Contents)
	}
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("objs")})
	wantCode(t, err, "BucketNotEmpty")
	must(c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("objs"), Key: aws.String("a/2")}))
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("objs"), Key: aws.String("a/2")})
	wantCode(t, err, "NoSuchKey")
	counts := e.srv.CallCounts()
	if counts["s3:GetObject"] != 2 || counts["s3:ListBucket"] != 3 || counts["s3:PutObject"] != 4 {
		t.Fatalf("call counts %v", counts)
	}
}

// digestDoc is the part of a digest file the test checks.
type digestDoc struct {
	DigestStartTime, DigestEndTime, DigestS3Bucket, DigestS3Object string
	DigestPublicKeyFingerprint                                     string
	PreviousDigestS3Object, PreviousDigestHashValue                *string
	PreviousDigestSignature                                        *string
	LogFiles                                                       []struct {
		S3Object, HashValue string
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func TestLoggingTrailDeliversSignedDigestChainOnTheClock(t *testing.T) {
	e := newEnv(t, Options{Regions: []string{"us-east-1", "eu-west-1"}, DigestKeyRotation: 2 * time.Hour})
	t0 := time.Date(2026, 11, 30, 22, 10, 0, 0, time.UTC)
	must(0, e.srv.SetClock(t0))
	c, ct := e.s3("us-east-1"), e.ct("us-east-1")
	must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trail-logs")}))
	must(ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("trail-logs"),
		S3KeyPrefix: aws.String("pre"), EnableLogFileValidation: aws.Bool(true)}))
	must(ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("main")}))
	e.srv.AddEvent(EventInput{AccountID: DefaultAccountID, Region: "us-east-1", EventName: "RunInstances", EventSource: "ec2.amazonaws.com", EventTime: t0.Add(5 * time.Minute)})
	e.srv.AddEvent(EventInput{AccountID: DefaultAccountID, Region: "us-east-1", EventName: "StopInstances", EventSource: "ec2.amazonaws.com", EventTime: t0.Add(80 * time.Minute)})
	must(0, e.srv.AdvanceClock(3*time.Hour))

	prefix := "pre/AWSLogs/" + DefaultAccountID + "/CloudTrail-Digest/us-east-1/"
	list := must(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("trail-logs"), Prefix: aws.String(prefix)}))
	if len(list.Contents) != 3 {
		t.Fatalf("digests = %d, want 3 (22:10-23:00, 23:00-00:00, 00:00-01:00)", len(list.Contents))
	}
	wantLast := prefix + "2026/12/01/" + DefaultAccountID + "_CloudTrail-Digest_us-east-1_main_us-east-1_20261201T010000Z.json.gz"
	if *list.Contents[2].Key != wantLast {
		t.Fatalf("last digest key %s, want %s", *list.Contents[2].Key, wantLast)
	}
	keys := must(ct.ListPublicKeys(ctx, &cloudtrail.ListPublicKeysInput{StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(3 * time.Hour))}))
	pub := map[string]*rsa.PublicKey{}
	for _, k := range keys.PublicKeyList {
		der := must(base64.StdEncoding.DecodeString(string(k.Value)))
		sum := md5.Sum(der)
		if hex.EncodeToString(sum[:]) != *k.Fingerprint {
			t.Fatalf("fingerprint %s is not the MD5 of the key", *k.Fingerprint)
		}
		pub[*k.Fingerprint] = must(x509.ParsePKCS1PublicKey(der))
	}
	if len(pub) < 2 {
		t.Fatalf("ListPublicKeys over 3 hours with 2-hour rotation = %d keys, want 2 or more", len(pub))
	}
	prevSig, prevHash, prevKey, logs := "null", "", "", 0
	for i, o := range list.Contents {
		got := must(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("trail-logs"), Key: o.Key}))
		raw, _ := io.ReadAll(got.Body)
		content := gunzip(t, raw)
		var d digestDoc
		if err := json.Unmarshal(content, &d); err != nil {
			t.Fatal(err)
		}
		if i == 0 && (d.PreviousDigestSignature != nil || d.DigestStartTime != "2026-11-30T22:10:00Z") {
			t.Fatalf("first digest: previous %v start %s", d.PreviousDigestSignature, d.DigestStartTime)
		}
		if i > 0 && (*d.PreviousDigestSignature != prevSig || *d.PreviousDigestHashValue != prevHash || *d.PreviousDigestS3Object != prevKey) {
			t.Fatalf("digest %d does not link to its predecessor", i)
		}
		sum := sha256.Sum256(content)
		msg := sha256.Sum256([]byte(d.DigestEndTime + "\n" + d.DigestS3Bucket + "/" + d.DigestS3Object + "\n" + hex.EncodeToString(sum[:]) + "\n" + prevSig))
		sig := must(hex.DecodeString(got.Metadata["signature"]))
		if err := rsa.VerifyPKCS1v15(pub[d.DigestPublicKeyFingerprint], crypto.SHA256, msg[:], sig); err != nil {
			t.Fatalf("digest %d signature: %v", i, err)
		}
		for _, l := range d.LogFiles {
			lo := must(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("trail-logs"), Key: aws.String(l.S3Object)}))
			lraw, _ := io.ReadAll(lo.Body)
			lc := gunzip(t, lraw)
			ls := sha256.Sum256(lc)
			if hex.EncodeToString(ls[:]) != l.HashValue || !bytes.HasPrefix(lc, []byte(`{"Records":[`)) {
				t.Fatalf("log %s hash or content wrong: %s", l.S3Object, lc)
			}
			logs++
		}
		prevSig, prevHash, prevKey = got.Metadata["signature"], hex.EncodeToString(sum[:]), *o.Key
	}
	if logs < 2 {
		t.Fatalf("log files listed = %d, want the two events' files at least", logs)
	}
	eu := must(e.s3("us-east-1").ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("trail-logs"), Prefix: aws.String("pre/AWSLogs/" + DefaultAccountID + "/CloudTrail-Digest/eu-west-1/")}))
	if len(eu.Contents) != 0 {
		t.Fatalf("single-region trail wrote %d digests in eu-west-1", len(eu.Contents))
	}

	// Stopping breaks the chain: the first digest after a restart names no
	// predecessor.
	must(ct.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String("main")}))
	must(0, e.srv.AdvanceClock(2*time.Hour))
	must(ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("main")}))
	must(0, e.srv.AdvanceClock(time.Hour))
	list = must(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("trail-logs"), Prefix: aws.String(prefix)}))
	if len(list.Contents) != 4 {
		t.Fatalf("digests after stop and restart = %d, want 4", len(list.Contents))
	}
	got := must(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("trail-logs"), Key: list.Contents[3].Key}))
	raw, _ := io.ReadAll(got.Body)
	var d digestDoc
	_ = json.Unmarshal(gunzip(t, raw), &d)
	if d.PreviousDigestSignature != nil || d.DigestStartTime != "2026-12-01T03:10:00Z" {
		t.Fatalf("digest after restart: previous %v start %s", d.PreviousDigestSignature, d.DigestStartTime)
	}
}
