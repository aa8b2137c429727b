// Package pluralize stands in for github.com/gertd/go-pluralize in the
// cloudtrailcc binaries.
//
// The Steampipe SDK builds a new client for every word it pluralizes in a
// log line, and formats its TRACE lines whether or not they are logged: the
// upstream client compiles a few hundred regular expressions each time,
// which was a third of the plugin's CPU time on a query of twenty
// connections. The SDK only pluralizes a handful of regular English nouns
// (connection, dependency, error, operator, qual, retry, table, warning...),
// so this client knows the regular rules and nothing else, and costs
// nothing to build.
package pluralize

import (
	"strconv"
	"strings"
)

// Client pluralizes English nouns by the regular rules.
type Client struct{}

// NewClient returns a Client; it holds no state.
func NewClient() *Client { return &Client{} }

// Pluralize returns word in the form for count (singular for 1, plural
// otherwise), prefixed with the count when inclusive is set.
func (c *Client) Pluralize(word string, count int, inclusive bool) string {
	form := word
	if count != 1 {
		form = c.Plural(word)
	}
	if inclusive {
		return strconv.Itoa(count) + " " + form
	}
	return form
}

// Plural returns the plural of a regular English noun: "policy" gives
// "policies", "class" "classes", "operator" "operators".
func (c *Client) Plural(word string) string {
	lower := strings.ToLower(word)
	switch {
	case word == "":
		return word
	case strings.HasSuffix(lower, "y") && len(lower) > 1 && !strings.ContainsRune("aeiou", rune(lower[len(lower)-2])):
		return word[:len(word)-1] + matchCase(word, "ies")
	case strings.HasSuffix(lower, "s"), strings.HasSuffix(lower, "x"), strings.HasSuffix(lower, "z"),
		strings.HasSuffix(lower, "ch"), strings.HasSuffix(lower, "sh"):
		return word + matchCase(word, "es")
	default:
		return word + matchCase(word, "s")
	}
}

// matchCase returns suffix in upper case when word is all upper case.
func matchCase(word, suffix string) string {
	if word == strings.ToUpper(word) && word != strings.ToLower(word) {
		return strings.ToUpper(suffix)
	}
	return suffix
}
