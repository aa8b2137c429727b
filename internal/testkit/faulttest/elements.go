package faulttest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"slices"
	"strings"
)

// An element path names an element of a reply document wherever it
// occurs: the keys (JSON) or tag names (XML) from the document's top down,
// "[]" standing for every item of a JSON list. A repeated XML element
// (S3's <Grant>, EC2's <item>) is one path: its siblings are the items of
// a list. "trailList/[]/S3BucketName" is the bucket of every trail of a
// DescribeTrails reply; "AccessControlList" the ACL of a GetBucketAcl
// reply (the XML root is not part of a path).

// RequiredPaths returns the element paths that every successful reply
// of replies has wherever their parent occurs, sorted: what an honest
// server always sends. An element some honest reply omits (a trail's
// SnsTopicARN, a status's LatestDeliveryError) is optional, and a reply
// without it is a reply of another state, not a malformed one; an item
// of an XML list (an element repeated under its parent in some reply) is
// not required either: a list may be empty. The elements under them are
// judged the same way.
func RequiredPaths(replies []Reply) []string {
	parents := map[string]int{}   // path -> occurrences (the document is "")
	children := map[string]int{}  // path -> occurrences under its parent
	repeated := map[string]bool{} // path -> repeated under one parent
	for _, r := range replies {
		if r.Status < 200 || r.Status > 299 {
			continue
		}
		if isJSONType(r.ContentType) {
			var doc any
			if decodeJSON(r.Body, &doc) == nil {
				countJSON(doc, "", parents, children)
			}
			continue
		}
		for _, e := range xmlTree(r.Body) {
			parents[e.path]++
			n := map[string]int{}
			for _, c := range e.children {
				n[c]++
			}
			for c, k := range n {
				children[join(e.path, c)]++
				repeated[join(e.path, c)] = repeated[join(e.path, c)] || k > 1
			}
		}
	}
	var out []string
	for p, n := range children {
		parent := ""
		if i := strings.LastIndex(p, "/"); i >= 0 {
			parent = p[:i]
		}
		if n == parents[parent] && !repeated[p] {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// countJSON counts the objects at each path and the keys under them.
func countJSON(v any, path string, parents, children map[string]int) {
	switch x := v.(type) {
	case map[string]any:
		parents[path]++
		for k, child := range x {
			children[join(path, k)]++
			countJSON(child, join(path, k), parents, children)
		}
	case []any:
		for _, child := range x {
			countJSON(child, join(path, "[]"), parents, children)
		}
	}
}

// DropElement is the mangling that removes every element at path from a
// 2xx reply, leaving the rest of the document as it was; other replies
// pass unchanged.
func DropElement(path string) Mangling {
	return Mangling{Name: "without " + path, Reply: func(u Reply) Reply {
		if u.Status < 200 || u.Status > 299 {
			return u
		}
		u.Body = dropElement(u.ContentType, u.Body, path)
		return u
	}}
}

func isJSONType(contentType string) bool { return strings.Contains(contentType, "json") }

// decodeJSON decodes one JSON document keeping numbers as written.
func decodeJSON(body []byte, v *any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	return d.Decode(v)
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "/" + name
}

// dropElement returns body without the elements at path (body unchanged
// when it is not a document of its content type).
func dropElement(contentType string, body []byte, path string) []byte {
	if isJSONType(contentType) {
		var doc any
		if decodeJSON(body, &doc) != nil {
			return body
		}
		dropJSON(doc, strings.Split(path, "/"))
		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		if enc.Encode(doc) != nil {
			return body
		}
		return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
	}
	var out []byte
	last := 0
	for _, e := range xmlElements(body) {
		if e.path != path || int(e.start) < last {
			continue
		}
		out = append(out, body[last:e.start]...)
		last = int(e.end)
	}
	return append(out, body[last:]...)
}

func dropJSON(v any, path []string) {
	switch x := v.(type) {
	case map[string]any:
		if len(path) == 1 {
			delete(x, path[0])
			return
		}
		if child, ok := x[path[0]]; ok {
			dropJSON(child, path[1:])
		}
	case []any:
		if path[0] != "[]" || len(path) == 1 {
			return
		}
		for _, child := range x {
			dropJSON(child, path[1:])
		}
	}
}

// xmlElement is one element of an XML document: its path, the bytes it
// spans (start and end tags included) and its children's names.
type xmlElement struct {
	path       string
	start, end int64
	children   []string
}

// xmlTree lists the elements of an XML document, the root ("" path)
// included, in document order of their ends; nil when it does not parse.
func xmlTree(body []byte) []xmlElement { return parseXML(body, true) }

// xmlElements lists the elements under the root of an XML document, in
// document order of their ends; nil when it does not parse.
func xmlElements(body []byte) []xmlElement { return parseXML(body, false) }

func parseXML(body []byte, withRoot bool) []xmlElement {
	d := xml.NewDecoder(bytes.NewReader(body))
	var (
		stack  []string // local names from the root down
		starts []int64
		kids   [][]string
		out    []xmlElement
	)
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			if len(stack) != 0 {
				return nil
			}
			return out
		}
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(kids) > 0 {
				kids[len(kids)-1] = append(kids[len(kids)-1], t.Name.Local)
			}
			stack = append(stack, t.Name.Local)
			starts = append(starts, off)
			kids = append(kids, nil)
		case xml.EndElement:
			if len(stack) > 1 || withRoot {
				out = append(out, xmlElement{path: strings.Join(stack[1:], "/"), start: starts[len(starts)-1],
					end: d.InputOffset(), children: kids[len(kids)-1]})
			}
			stack, starts, kids = stack[:len(stack)-1], starts[:len(starts)-1], kids[:len(kids)-1]
		}
	}
}
