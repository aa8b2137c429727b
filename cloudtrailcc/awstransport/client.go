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
