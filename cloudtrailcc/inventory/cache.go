package inventory

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// factCache holds each fact read, by key, for a TTL. Concurrent readers of
// one key share a single read (singleflight). A read that ends in a Go
// error (a setup error or a cancelled context) is not kept.
type factCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	done chan struct{}
	val  any
	err  error
	at   time.Time
}

func newFactCache(ttl time.Duration) *factCache {
	return &factCache{ttl: ttl, now: time.Now, entries: map[string]*cacheEntry{}}
}

// get returns the fact under key, reading it with read when it is missing
// or older than the TTL.
func (fc *factCache) get(ctx context.Context, key string, read func(context.Context) (any, error)) (any, error) {
	for {
		fc.mu.Lock()
		e, ok := fc.entries[key]
		if ok {
			select {
			case <-e.done:
				if fc.now().Sub(e.at) >= fc.ttl {
					ok = false
				}
			default:
			}
		}
		if !ok {
			e = &cacheEntry{done: make(chan struct{})}
			fc.entries[key] = e
			fc.mu.Unlock()
			e.val, e.err = read(ctx)
			e.at = fc.now()
			if e.err != nil {
				fc.mu.Lock()
				if fc.entries[key] == e {
					delete(fc.entries, key)
				}
				fc.mu.Unlock()
			}
			close(e.done)
			return e.val, e.err
		}
		fc.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		// A reader whose own context was cancelled gives up; everyone
		// else waiting for that read tries again with theirs.
		if e.err != nil && isContextError(e.err) && ctx.Err() == nil {
			continue
		}
		return e.val, e.err
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// result is a cached fact: its value, or the error met reading it.
type result[T any] struct {
	V   T
	Err *snapshot.ReadError
}

// readFact reads one fact through the cache. call performs the AWS calls;
// its error becomes the fact's ReadError (action names the IAM action),
// except setup errors and cancellation, which are returned and not cached.
func readFact[T any](c *Collector, ctx context.Context, action, key string, call func(context.Context) (T, error)) (result[T], error) {
	v, err := c.cache.get(ctx, action+" "+key, func(ctx context.Context) (any, error) {
		val, err := call(ctx)
		if err == nil {
			return result[T]{V: val}, nil
		}
		rerr, err := failure(ctx, action, err)
		if err != nil {
			return nil, err
		}
		return result[T]{V: val, Err: rerr}, nil
	})
	if err != nil {
		return result[T]{}, err
	}
	return v.(result[T]), nil
}
