package cloudtrailcc

import (
	"fmt"
	"testing"

	"github.com/gertd/go-pluralize"
	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"
)

// The SDK formats its TRACE lines whether or not they are logged, and a
// key column's text pluralizes "operator" with a new client each time: per
// connection and query, a few of these per key column. They must stay cheap
// (the upstream pluralizer compiles a few hundred regular expressions per
// client, a third of the plugin's CPU time on twenty connections).
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

// The words the SDK pluralizes in its messages keep their English plurals.
func TestSDKMessageWordsPluralize(t *testing.T) {
	for word, plural := range map[string]string{
		"connection": "connections", "dependency": "dependencies", "error": "errors",
		"limiter": "limiters", "message": "messages", "operator": "operators", "qual": "quals",
		"retry": "retries", "subscriber": "subscribers", "table": "tables", "warning": "warnings",
		"key": "keys", "address": "addresses", "box": "boxes", "match": "matches",
	} {
		c := pluralize.NewClient()
		if got := c.Pluralize(word, 1, false); got != word {
			t.Errorf("Pluralize(%q, 1) = %q, want %q", word, got, word)
		}
		if got := c.Pluralize(word, 2, false); got != plural {
			t.Errorf("Pluralize(%q, 2) = %q, want %q", word, got, plural)
		}
		if got, want := c.Pluralize(word, 0, true), "0 "+plural; got != want {
			t.Errorf("Pluralize(%q, 0, inclusive) = %q, want %q", word, got, want)
		}
	}
}
