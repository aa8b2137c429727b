// Package awstransport carries AWS SDK calls to net/http without the
// SDK's request-body race.
//
// The SDK closes a request's body as soon as the response arrives, and its
// body type then answers io.EOF from WriteTo. net/http's connection writer may
// still be checking that body for extra bytes through io.Copy (which prefers
// WriteTo) at that moment; it takes the io.EOF for a write failure and closes
// the connection, and the response body being decoded fails with "use of
// closed network connection". A fast endpoint (the emulator on loopback,
// but also a nearby AWS endpoint) makes this happen. Through Read, a closed
// body simply ends, which is what it is.
package awstransport

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Wrap returns a client that sends every request through next with a body
// that offers Read and Close only.
func Wrap(next aws.HTTPClient) aws.HTTPClient {
	if next == nil {
		return nil
	}
	if w, ok := next.(client); ok {
		return w
	}
	return client{next: next}
}

// NewClient returns a client of its own (one connection pool, the SDK's
// defaults) that sends requests as Wrap does.
func NewClient() aws.HTTPClient { return Wrap(awshttp.NewBuildableClient()) }

// client is next with request bodies read through Read only.
type client struct{ next aws.HTTPClient }

// Do sends req through the wrapped client.
func (c client) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = readOnlyBody{req.Body}
	}
	return c.next.Do(req)
}

// readOnlyBody hides every method of its body but Read and Close.
type readOnlyBody struct{ body io.ReadCloser }

func (b readOnlyBody) Read(p []byte) (int, error) { return b.body.Read(p) }
func (b readOnlyBody) Close() error               { return b.body.Close() }

// IdleConnsPerHost is how many idle connections a pool keeps per host. An
// audit sends bursts of a hundred or more calls to one endpoint (S3 in
// us-east-1, the emulator); net/http's default of 2 (the SDK's 10) would
// close most of them after each burst and dial, or handshake, again.
const IdleConnsPerHost = 128

// NewPool returns an SDK HTTP client meant to be shared by every AWS client
// of the process: one connection pool that keeps IdleConnsPerHost idle
// connections per host. It stays an *awshttp.BuildableClient so that the
// SDK's loader can still add a CA bundle to it; Wrap what the loader returns.
func NewPool() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConnsPerHost = IdleConnsPerHost
		if tr.MaxIdleConns < IdleConnsPerHost {
			tr.MaxIdleConns = IdleConnsPerHost
		}
	})
}
