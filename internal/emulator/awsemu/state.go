package awsemu

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

// state is everything the emulated accounts own. One mutex guards it all:
// the emulator serves tests, not production traffic.
type state struct {
	mu      sync.Mutex
	creds   map[string]credential // access key -> credential
	trails  map[string]*trail     // trail ARN -> trail; written by putTrail and dropTrail only
	buckets map[string]*bucket    // bucket name (global) -> bucket; written by putBucket and dropBucket only
	// Indexes of trails and buckets by account, so that a request reads
	// its own account's and not every account's (an organization of
	// 10,000 accounts would otherwise cost each request 30,000 trails).
	trailsOf   map[string]map[string]*trail  // owner account -> trail ARN -> trail
	orgTrails  map[string]*trail             // trail ARN -> organization trail
	bucketsOf  map[string]map[string]*bucket // owner account -> bucket name -> bucket
	accountPAB map[string]*publicAccessBlock // account -> account-level PAB
	topics     map[string]*topic             // topic ARN -> topic
	keys       map[string]*kmsKey            // key ARN -> key
	aliases    map[string]string             // alias ARN -> key ARN
	logGroups  map[string]*logGroup          // log group ARN (no ":*") -> group
	events     map[string][]*trailEvent      // account|region -> events, oldest first
	roles      map[string]*Role              // account|role name -> role
	org        *organization                 // the organization, nil when none
	clock      deliveryClock                 // log delivery clock
	digestKeys digestKeyring                 // digest signing keys
}

type credential struct {
	secret  string
	account string
	// Temporary credentials (AssumeRole): the session token the request
	// must carry, when they expire and the assumed-role principal.
	token                  string
	expires                time.Time
	principal, principalID string
}

func newState() *state {
	return &state{
		creds:      map[string]credential{},
		trails:     map[string]*trail{},
		buckets:    map[string]*bucket{},
		trailsOf:   map[string]map[string]*trail{},
		orgTrails:  map[string]*trail{},
		bucketsOf:  map[string]map[string]*bucket{},
		accountPAB: map[string]*publicAccessBlock{},
		topics:     map[string]*topic{},
		keys:       map[string]*kmsKey{},
		aliases:    map[string]string{},
		logGroups:  map[string]*logGroup{},
		events:     map[string][]*trailEvent{},
		roles:      map[string]*Role{},
	}
}

func (st *state) addAccount(accessKey, secret, account string) {
	st.addCredential(accessKey, credential{secret: secret, account: account})
}

func (st *state) addCredential(accessKey string, c credential) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.creds[accessKey] = c
}

func (st *state) credential(accessKey string) (credential, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := st.creds[accessKey]
	return c, ok
}

// lock runs fn with the state locked.
func (st *state) lock(fn func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fn()
}

// locked runs a handler body with the state locked and returns its answer.
func (s *Server) locked(fn func() (any, *apiError)) (any, *apiError) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return fn()
}

// caller identity helpers: every access key acts as IAM user "emulator" of
// its account.
const callerUserName = "emulator"

func callerARN(account string) string { return "arn:aws:iam::" + account + ":user/" + callerUserName }

func callerUserID(account string) string {
	return "AIDA" + strings.ToUpper(shortHash(account, 17))
}

// canonicalID is the S3 canonical user id of an account.
func canonicalID(account string) string {
	sum := sha256.Sum256([]byte("canonical-user:" + account))
	return hex.EncodeToString(sum[:])
}

func shortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:])
	if n > len(h) {
		n = len(h)
	}
	return h[:n]
}

// arnParts splits "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE".
type arnParts struct {
	Partition, Service, Region, Account, Resource string
}

func parseARN(s string) (arnParts, bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] == "" {
		return arnParts{}, false
	}
	return arnParts{Partition: f[1], Service: f[2], Region: f[3], Account: f[4], Resource: f[5]}, true
}

func iso8601(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// putTrail adds t to the state and its indexes; state lock. A trail's
// account, ARN and organization flag never change after this.
func (st *state) putTrail(t *trail) {
	st.trails[t.ARN] = t
	putIndexed(st.trailsOf, t.Account, t.ARN, t)
	if t.Org {
		st.orgTrails[t.ARN] = t
	}
}

// dropTrail removes t from the state and its indexes; state lock.
func (st *state) dropTrail(t *trail) {
	delete(st.trails, t.ARN)
	dropIndexed(st.trailsOf, t.Account, t.ARN)
	delete(st.orgTrails, t.ARN)
}

// trailsVisibleTo returns, unsorted, the trails account owns and the
// organization trails it is a member of; state lock.
func (st *state) trailsVisibleTo(account string) []*trail {
	out := make([]*trail, 0, len(st.trailsOf[account]))
	for _, t := range st.trailsOf[account] {
		out = append(out, t)
	}
	for _, t := range st.orgTrails {
		if t.Account != account && t.OrgMembers[account] {
			out = append(out, t)
		}
	}
	return out
}

// putBucket adds b to the state and its owner's index; state lock. A
// bucket's name and owner never change after this.
func (st *state) putBucket(b *bucket) {
	st.buckets[b.Name] = b
	putIndexed(st.bucketsOf, b.Owner, b.Name, b)
}

// dropBucket removes b from the state and its owner's index; state lock.
func (st *state) dropBucket(b *bucket) {
	delete(st.buckets, b.Name)
	dropIndexed(st.bucketsOf, b.Owner, b.Name)
}

// putIndexed sets index[account][key] = v.
func putIndexed[V any](index map[string]map[string]V, account, key string, v V) {
	m := index[account]
	if m == nil {
		m = map[string]V{}
		index[account] = m
	}
	m[key] = v
}

// dropIndexed deletes index[account][key], and the account when empty.
func dropIndexed[V any](index map[string]map[string]V, account, key string) {
	delete(index[account], key)
	if len(index[account]) == 0 {
		delete(index, account)
	}
}
