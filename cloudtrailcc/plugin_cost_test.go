package cloudtrailcc

import (
	"fmt"
	"testing"

	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"
)

// The SDK formats its TRACE lines whether or not they are logged, and a
// key column's text pluralizes "operator": per connection and query, a few
// of these per key column. They must stay cheap. Before steampipe-plugin-sdk
// v5.14.1 each call built a new go-pluralize client, which compiles a few
// hundred regular expressions: a third of the plugin's CPU time on twenty
// connections. v5.14.1 builds the client once per process; this test fails
// if a later SDK goes back to one client per call.
func TestSDKKeyColumnLogTextIsCheap(t *testing.T) {
	one := &plugin.KeyColumn{Name: "rule_id", Operators: []string{"="}}
	two := &plugin.KeyColumn{Name: "account_id", Operators: []string{"=", "<>"}}
	if got, want := fmt.Sprint(one), "column:'rule_id' operator: ="; got != want {
		t.Errorf("key column text = %q, want %q", got, want)
	}
	if got, want := fmt.Sprint(two), "column:'account_id' operators: =,<>"; got != want {
		t.Errorf("key column text = %q, want %q", got, want)
	}
	allocs := testing.AllocsPerRun(50, func() { _ = fmt.Sprint(two) })
	if allocs > 20 {
		t.Errorf("formatting a key column allocates %.0f times, want at most 20", allocs)
	}
}
