package awstransport

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// sdkRequest builds an http.Request the way the SDK does before sending it.
func sdkRequest(t *testing.T, body string) *http.Request {
	t.Helper()
	sr := smithyhttp.NewStackRequest().(*smithyhttp.Request)
	sr.Method = http.MethodPost
	sr.URL.Scheme, sr.URL.Host = "http", "example.invalid"
	sr.ContentLength = int64(len(body))
	s, err := sr.SetStream(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	return s.Build(context.Background())
}

// capture is an aws.HTTPClient that keeps the request it was given.
type capture struct{ req *http.Request }

func (c *capture) Do(r *http.Request) (*http.Response, error) {
	c.req = r
	return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
}

// The connection writer's last look at a body the SDK already closed (it does
// so when the response arrives) must end cleanly, not fail the connection.
func TestBodyClosedByTheSDKEndsCleanly(t *testing.T) {
	next := &capture{}
	req := sdkRequest(t, `{"MaxResults":50}`)
	if _, err := Wrap(next).Do(req); err != nil {
		t.Fatal(err)
	}
	sent := next.req.Body
	got, err := io.ReadAll(io.LimitReader(sent, 17))
	if err != nil || string(got) != `{"MaxResults":50}` {
		t.Fatalf("body read %q, %v", got, err)
	}
	if err := sent.Close(); err != nil {
		t.Fatal(err)
	}
	// net/http's check for extra bytes after Content-Length.
	if n, err := io.Copy(io.Discard, sent); n != 0 || err != nil {
		t.Fatalf("extra-bytes check on a closed body: n=%d err=%v, want 0 and nil", n, err)
	}
}

func TestWrapKeepsBodylessRequestsAndDoesNotNest(t *testing.T) {
	next := &capture{}
	w := Wrap(next)
	if Wrap(w) != w {
		t.Fatal("wrapping twice nests clients")
	}
	req, _ := http.NewRequest(http.MethodGet, "http://example.invalid/", nil)
	if _, err := w.Do(req); err != nil {
		t.Fatal(err)
	}
	if next.req.Body != nil {
		t.Fatalf("a request without body got %T", next.req.Body)
	}
	if Wrap(nil) != nil {
		t.Fatal("Wrap(nil) is not nil")
	}
}
