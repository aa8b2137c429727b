package docs_test

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pluginAWSNames are the steampipe-plugin-aws tables and columns the
// "steampipe-plugin-aws equivalent" sections name that this plugin has not.
var pluginAWSNames = []string{
	"aws_cloudtrail_trail", "aws_s3_bucket", "aws_s3_account_settings", "aws_region", "aws_cloudtrail_lookup_event",
	"tags_src", "object_ownership_controls", "policy", "server_side_encryption_configuration", "lifecycle_rules",
	"opt_in_status", "arn", "name", "s3_bucket_name", "cloud_trail_event", "read_only", "resources", "start_time", "end_time",
}

// Section headings of a table page, in order, before its examples.
const (
	usageGuide  = "## Table Usage Guide"
	equivalent  = "## steampipe-plugin-aws equivalent"
	examplesSec = "## Examples"
)

// readFrontMatter splits a page's leading YAML front matter ("---" lines
// around "key: value" lines) from its body, returning the fields (nil
// without front matter), the body and the number of lines skipped.
func readFrontMatter(data []byte) (map[string]string, []byte, int) {
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return nil, data, 0
	}
	front := map[string]string{}
	for i := 1; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "---" {
			return front, []byte(strings.Join(lines[i+1:], "")), i + 1
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			front[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return nil, data, 0 // unclosed: no front matter
}

// checkTopSections checks what a table page holds before its examples, in
// the hub's current layout: front matter with a title and a description,
// "# Table: <name> - <what>" matching the title, an introduction, a Table
// Usage Guide saying what a row is and where it comes from, and a
// steampipe-plugin-aws equivalent table. It returns the number of headings
// up to and including "## Examples".
func checkTopSections(t *testing.T, p page, name string) int {
	t.Helper()
	want := []string{"# Table: " + name + " - ", usageGuide, equivalent, examplesSec}
	for i, w := range want {
		if i >= len(p.headings) || !strings.HasPrefix(p.headings[i], w) {
			t.Errorf("%s: heading %d must be %q; headings: %q", p.file, i+1, w, p.headings[:min(len(p.headings), len(want))])
			return len(want)
		}
	}
	if p.front == nil {
		t.Errorf("%s: no front matter", p.file)
	} else {
		if title := strings.TrimPrefix(p.headings[0], "# Table: "); p.front["title"] != "Steampipe Table: "+title {
			t.Errorf("%s: front matter title %q; want %q, as the first heading", p.file, p.front["title"], "Steampipe Table: "+title)
		}
		if p.front["folder"] == "" {
			t.Errorf("%s: front matter has no folder (the hub groups the tables by it)", p.file)
		}
		if n := len(strings.Fields(p.front["description"])); n < 12 {
			t.Errorf("%s: front matter description is %d words; say what the table lets one query", p.file, n)
		}
	}
	if n := len(strings.Fields(proseBetween(p, p.headings[0], usageGuide))); n < 12 {
		t.Errorf("%s: the introduction before %s is %d words", p.file, usageGuide, n)
	}
	if n := len(strings.Fields(proseBetween(p, usageGuide, equivalent))); n < 20 {
		t.Errorf("%s: the Table Usage Guide is %d words; say what a row is and which AWS APIs it comes from", p.file, n)
	}
	eq := proseBetween(p, equivalent, examplesSec)
	if !strings.Contains(eq, "| "+name+" |") || !regexp.MustCompile(`\baws_[a-z0-9_]+|no table`).MatchString(eq) {
		t.Errorf("%s: the %s section must be a table with a %s column naming the plugin-aws tables (or saying there is no table)", p.file, equivalent, name)
	}
	return len(want)
}

// TestTableExamplesHaveAPurposeLine checks every example of the table
// pages is introduced by exactly one line saying what it is for, between
// its "###" heading and its sql block.
func TestTableExamplesHaveAPurposeLine(t *testing.T) {
	_, pages := tablePages(t, pluginSchema(t))
	for _, p := range pages {
		for _, e := range p.examples {
			switch {
			case len(e.intro) != 1:
				t.Errorf("%s: %d lines between the heading and the query; want one line of purpose: %q", e, len(e.intro), e.intro)
			case !strings.HasSuffix(e.intro[0], ".") || len(strings.Fields(e.intro[0])) < 5:
				t.Errorf("%s: purpose line %q; want a sentence", e, e.intro[0])
			}
		}
	}
}

// indexFields are the front matter fields the hub reads from docs/index.md.
var indexFields = []string{"organization", "category", "icon_url", "brand_color", "display_name", "short_name", "description", "og_description", "og_image", "engines"}

// rawDocs is the absolute address of the repository's docs/ folder: the hub
// renders docs/index.md away from the repository, so icon_url is absolute.
const rawDocs = "https://raw.githubusercontent.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/main/docs/"

// TestIndexFollowsHubLayout checks docs/index.md: every front matter field
// the hub reads, an SVG icon and a PNG social image shipped under docs/,
// the installation (local build and the registry path), credentials,
// multi-account (with an aggregator connection) and limits sections, and
// the repository's real path instead of a placeholder.
func TestIndexFollowsHubLayout(t *testing.T) {
	p := readPage(t, "docs/index.md")
	for _, f := range indexFields {
		if strings.TrimSpace(p.front[f]) == "" {
			t.Errorf("docs/index.md: front matter field %s is missing or empty", f)
		}
	}
	if c := p.front["brand_color"]; !regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`).MatchString(c) {
		t.Errorf("brand_color %q; want #RRGGBB", c)
	}
	icon := p.front["icon_url"]
	if !strings.HasPrefix(icon, rawDocs) {
		t.Errorf("icon_url %q: want an absolute URL under %s", icon, rawDocs)
	}
	// engines names what the project builds: the Steampipe plugin only (no
	// SQLite extension, no Postgres FDW, no export tool).
	if e := p.front["engines"]; e != `["steampipe"]` {
		t.Errorf("engines %s, want [\"steampipe\"]", e)
	}
	if icon, err := os.ReadFile(shipped(t, "icon_url", strings.TrimPrefix(icon, rawDocs), ".svg")); err == nil {
		var root struct{ XMLName xml.Name }
		if err := xml.Unmarshal(icon, &root); err != nil || root.XMLName.Local != "svg" {
			t.Errorf("icon_url %s is not an SVG document (root %q, %v)", p.front["icon_url"], root.XMLName.Local, err)
		}
	}
	if img, err := os.ReadFile(shipped(t, "og_image", p.front["og_image"], ".png")); err == nil {
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		if err != nil || cfg.Width < 1200 || cfg.Height < 600 {
			t.Errorf("og_image %s: %dx%d, %v; want a PNG of at least 1200x600", p.front["og_image"], cfg.Width, cfg.Height, err)
		}
	}
	headings := strings.Join(p.headings, "\n")
	for _, want := range []string{"## Get started", "### Install", "### Credentials", "### Multiple accounts", "## Limits and rate limits"} {
		if !strings.Contains(headings, want+"\n") && !strings.HasSuffix(headings, want) {
			t.Errorf("docs/index.md: no %q section", want)
		}
	}
	raw, err := os.ReadFile("index.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for _, want := range []string{"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc", "make install", "steampipe plugin install ", "max_concurrency", "max_error_retry_attempts"} {
		if !strings.Contains(text, want) {
			t.Errorf("docs/index.md does not mention %q", want)
		}
	}
	if !regexp.MustCompile(`type\s*=\s*"aggregator"`).MatchString(text) {
		t.Errorf("docs/index.md: the multi-account section has no aggregator connection")
	}
	if strings.Contains(text, "<this repository>") {
		t.Errorf("docs/index.md still has the <this repository> placeholder")
	}
}

// shipped returns the file under docs/ a front matter path names, failing
// the test when it is not there or not of the wanted kind.
func shipped(t *testing.T, field, path, ext string) string {
	t.Helper()
	file := filepath.Clean(strings.TrimPrefix(path, "/"))
	if !strings.HasPrefix(file, "images"+string(filepath.Separator)) || filepath.Ext(file) != ext {
		t.Errorf("%s %q: want a %s file under docs/images/", field, path, ext)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("%s %q is not shipped: %v", field, path, err)
	}
	return file
}
