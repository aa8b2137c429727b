package bound

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// LookupEventsInterval is the least time between the starts of two
// LookupEvents requests of one account in one region: CloudTrail allows 2
// requests per second.
const LookupEventsInterval = 500 * time.Millisecond

// Graph is the dependency graph of the least calls: one node per call of
// Calls, an edge from each call to the calls whose answers it needs. The
// chain is identity -> regions -> per-region DescribeTrails and
// LookupEvents -> per-trail, topic, key and GetBucketLocation calls ->
// per-bucket facts; ListBuckets follows the identity (its partition picks
// the endpoint) and gates the bucket reads (only own buckets are read);
// each LookupEvents or ListBuckets page follows the previous page (its
// NextToken), and LookupEvents pages of one region also keep
// LookupEventsInterval apart.
type Graph struct {
	nodes []node
	// account is the account addAccount is adding.
	account string
}

type node struct {
	action, resource string
	// account is the account whose credentials make the call.
	account string
	deps    []int
	// paced is set for a LookupEvents page after the first: it starts at
	// least LookupEventsInterval after the previous page started.
	paced bool
}

// Path is a critical path: its length and its calls in order.
type Path struct {
	// Duration is the least wall time of the whole read when every call
	// takes the latency and independent calls run in parallel.
	Duration time.Duration
	// RoundTrips is the number of calls on the path (sequential round trips).
	RoundTrips int
	// Calls names each call on the path ("action resource").
	Calls []string
}

// Call is one call of a Graph.
type Call struct {
	// Action is the IAM action; Account the account making the call.
	Action, Account string
	// Deps are the indexes of the calls it waits for.
	Deps []int
}

// Calls returns the calls of the graph; a call's Deps come before it.
func (g *Graph) Calls() []Call {
	out := make([]Call, len(g.nodes))
	for i, n := range g.nodes {
		out[i] = Call{Action: n.action, Account: n.account, Deps: slices.Clone(n.deps)}
	}
	return out
}

// Len is the number of calls in the graph.
func (g *Graph) Len() int { return len(g.nodes) }

// Counts returns the calls of the graph by action (equal to Calls).
func (g *Graph) Counts() map[string]int {
	out := map[string]int{}
	for _, n := range g.nodes {
		out[n.action]++
	}
	return out
}

func (g *Graph) add(action, resource string, deps ...int) int {
	g.nodes = append(g.nodes, node{action: action, resource: resource, account: g.account, deps: slices.Clone(deps)})
	return len(g.nodes) - 1
}

// chain adds n pages of action, each after the previous one; the first
// after deps. It returns the last page.
func (g *Graph) chain(action, resource string, n int, paced bool, deps ...int) int {
	last := g.add(action, resource+" page 1", deps...)
	for p := 2; p <= n; p++ {
		last = g.add(action, fmt.Sprintf("%s page %d", resource, p), last)
		g.nodes[last].paced = paced
	}
	return last
}

// NewGraph builds the dependency graph of the calls reading need for the
// accounts (independent of one another: their graphs are disjoint).
func NewGraph(need snapshot.Need, accounts ...Account) *Graph {
	g := &Graph{}
	for _, a := range accounts {
		g.addAccount(a, need.WithDependencies())
	}
	return g
}

func (g *Graph) addAccount(a Account, need snapshot.Need) {
	g.account = a.AccountID
	id := g.add(GetCallerIdentity, a.AccountID)
	if !need.Has(snapshot.NeedRegions) {
		return
	}
	regions := g.add(DescribeRegions, a.AccountID, id)
	if need.Has(snapshot.NeedConfigChanges) {
		for _, r := range a.Regions {
			g.chain(LookupEvents, a.AccountID+" "+r, a.pages(r), true, regions)
		}
	}
	if !need.Has(snapshot.NeedTrails) {
		return
	}
	listed := map[string]int{}
	for _, r := range a.Regions {
		listed[r] = g.add(DescribeTrails, a.AccountID+" "+r, regions)
	}
	// seenIn is the DescribeTrails call that shows the trail: its home
	// region's, or (a trail homed outside the evaluated regions, seen as a
	// shadow) the first region's.
	seenIn := func(t Trail) []int {
		if n, ok := listed[t.HomeRegion]; ok {
			return []int{n}
		}
		if len(a.Regions) > 0 {
			return []int{listed[a.Regions[0]]}
		}
		return nil
	}
	firstNaming := func(field func(Trail) string, v string) []int {
		for _, t := range a.Trails {
			if field(t) == v {
				return seenIn(t)
			}
		}
		return nil
	}
	for _, t := range a.Trails {
		if need.Has(snapshot.NeedTrailStatus) {
			g.add(GetTrailStatus, t.ARN, seenIn(t)...)
		}
		if need.Has(snapshot.NeedEventSelectors) {
			g.add(GetEventSelectors, t.ARN, seenIn(t)...)
		}
		if need.Has(snapshot.NeedInsightSelectors) && t.HasInsightSelectors {
			g.add(GetInsightSelectors, t.ARN, seenIn(t)...)
		}
	}
	if need.Has(snapshot.NeedTrailTags) {
		groups := tagGroups(a.Trails)
		for _, k := range slices.Sorted(maps.Keys(groups)) {
			for b := 0; b < (groups[k]+listTagsBatch-1)/listTagsBatch; b++ {
				var deps []int
				for _, t := range a.Trails {
					if t.HomeRegion+"|"+t.OwnerAccountID == k {
						deps = seenIn(t)
						break
					}
				}
				g.add(ListTags, fmt.Sprintf("%s batch %d", k, b+1), deps...)
			}
		}
	}
	if need.Has(snapshot.NeedTopics) {
		for _, topic := range a.Topics() {
			g.add(GetTopicAttributes, topic, firstNaming(func(t Trail) string { return t.TopicARN }, topic)...)
		}
	}
	if need.Has(snapshot.NeedKeys) {
		for _, key := range a.Keys() {
			g.add(DescribeKey, key, firstNaming(func(t Trail) string { return t.KeyARN }, key)...)
		}
	}
	if !need.NeedsBucket() || !hasBucket(a.Trails) {
		return
	}
	owned := g.chain(ListBuckets, a.AccountID, max(a.ListBucketsPages, 1), false, id)
	own := a.OwnBuckets()
	for _, b := range a.Buckets() {
		loc := g.add(GetBucketLocation, b, append(firstNaming(func(t Trail) string { return t.Bucket }, b), owned)...)
		if !slices.Contains(own, b) {
			continue
		}
		for _, action := range bucketActions(need) {
			g.add(action, b, loc)
		}
	}
	if need.Has(snapshot.NeedBucketPublic) && len(own) > 0 {
		g.add(GetAccountPublicAccess, a.AccountID, append(firstNaming(func(t Trail) string { return t.Bucket }, own[0]), owned)...)
	}
}

// CriticalPath returns the longest chain of the graph when every call
// takes latency: a call starts when the calls it depends on have ended
// (and a paced LookupEvents page no sooner than interval after the
// previous page started). Among chains of equal length the one with more
// calls is taken. Nodes are added after their dependencies, so one pass in
// order computes every start time.
func (g *Graph) CriticalPath(latency, interval time.Duration) Path {
	if len(g.nodes) == 0 {
		return Path{}
	}
	end := make([]time.Duration, len(g.nodes))
	depth := make([]int, len(g.nodes))
	prev := make([]int, len(g.nodes))
	longer := func(endA time.Duration, depthA int, endB time.Duration, depthB int) bool {
		return endA > endB || (endA == endB && depthA > depthB)
	}
	last := 0
	for i, n := range g.nodes {
		var start time.Duration
		prev[i] = -1
		for _, d := range n.deps {
			s := end[d]
			if n.paced {
				s = max(s, end[d]-latency+interval)
			}
			if prev[i] < 0 || longer(s, depth[d], start, depth[prev[i]]) {
				start, prev[i] = s, d
			}
		}
		end[i], depth[i] = start+latency, 1
		if prev[i] >= 0 {
			depth[i] = depth[prev[i]] + 1
		}
		if longer(end[i], depth[i], end[last], depth[last]) {
			last = i
		}
	}
	p := Path{Duration: end[last]}
	for i := last; i >= 0; i = prev[i] {
		p.Calls = append(p.Calls, g.nodes[i].action+" "+g.nodes[i].resource)
	}
	slices.Reverse(p.Calls)
	p.RoundTrips = len(p.Calls)
	return p
}
