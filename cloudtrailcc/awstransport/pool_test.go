package awstransport

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// burst sends n requests through c that the server answers only once all
// n have arrived, so they need n connections at once.
func burst(t *testing.T, c interface {
	Do(*http.Request) (*http.Response, error)
}, url string, n int, arrived *sync.WaitGroup) {
	t.Helper()
	arrived.Add(n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			resp, err := c.Do(req)
			if err != nil {
				errs <- err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// A burst of calls to one endpoint leaves its connections open for the
// next burst instead of closing all but a few and dialing again.
func TestPoolKeepsABurstsConnectionsForTheNext(t *testing.T) {
	const n = 60
	var dials atomic.Int64
	var arrived sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Done()
		arrived.Wait()
		_, _ = w.Write([]byte("{}"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c := Wrap(NewPool())
	burst(t, c, srv.URL, n, &arrived)
	if got := dials.Load(); got != n {
		t.Fatalf("first burst opened %d connections, want %d", got, n)
	}
	burst(t, c, srv.URL, n, &arrived)
	// A connection goes back to the pool just after its body is read, on
	// another goroutine, so on a busy machine some may not be back yet when
	// the next burst dials; the SDK's default pool (10 per host) would need
	// 50 new connections.
	if extra := dials.Load() - n; extra > n/2 {
		t.Fatalf("second burst opened %d new connections; the pool should have kept the first burst's %d", extra, n)
	}
}
