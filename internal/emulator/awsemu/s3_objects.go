package awsemu

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Objects: GetObject, HeadObject, PutObject, DeleteObject, ListObjects (v1,
// with marker) and ListObjectsV2 (start-after, continuation-token), with
// user metadata (x-amz-meta-*). Object operations follow the bucket rules of
// bucketOp (region, owner). Keys are the decoded request path after the
// bucket name.

// object is one stored S3 object.
type object struct {
	Data         []byte
	ContentType  string
	Meta         map[string]string // lower-case names without x-amz-meta-
	LastModified time.Time
	ETag         string
}

// objectKey is the key of a path-style object request.
func objectKey(q *request) string {
	_, key, _ := strings.Cut(strings.TrimPrefix(q.r.URL.Path, "/"), "/")
	return key
}

func noSuchKey(key string) *apiError {
	e := newErr("NoSuchKey", "The specified key does not exist.", http.StatusNotFound)
	e.Extra = map[string]string{"Key": key}
	return e
}

// putStoredObject stores data under key; the state must be locked.
func (b *bucket) putStoredObject(key string, data []byte, contentType string, meta map[string]string, now time.Time) *object {
	if b.Objects == nil {
		b.Objects = map[string]*object{}
	}
	sum := md5.Sum(data)
	o := &object{Data: data, ContentType: contentType, Meta: meta, LastModified: now.UTC(), ETag: `"` + hex.EncodeToString(sum[:]) + `"`}
	b.Objects[key] = o
	return o
}

func (s *Server) putObject(q *request, b *bucket) (any, *apiError) {
	key := objectKey(q)
	if len(key) > 1024 {
		return nil, newErr("KeyTooLongError", "Your key is too long")
	}
	meta := map[string]string{}
	for name, vals := range q.r.Header {
		if m, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-meta-"); ok && len(vals) > 0 {
			meta[m] = vals[0]
		}
	}
	ct := q.r.Header.Get("Content-Type")
	if ct == "" {
		ct = "binary/octet-stream"
	}
	o := b.putStoredObject(key, append([]byte(nil), q.body...), ct, meta, s.st.clock.now())
	return &rawResponse{Header: map[string]string{"ETag": o.ETag}}, nil
}

func (s *Server) getObject(q *request, b *bucket) (any, *apiError) {
	key := objectKey(q)
	o := b.Objects[key]
	if o == nil {
		return nil, noSuchKey(key)
	}
	h := map[string]string{
		"ETag":           o.ETag,
		"Last-Modified":  o.LastModified.Format(http.TimeFormat),
		"Content-Length": strconv.Itoa(len(o.Data)),
	}
	for k, v := range o.Meta {
		h["x-amz-meta-"+k] = v
	}
	// A HEAD answer carries the same headers; net/http drops the body.
	return &rawResponse{ContentType: o.ContentType, Header: h, Body: o.Data}, nil
}

// deleteObject answers 204 whether or not the key exists, as S3 does.
func (s *Server) deleteObject(q *request, b *bucket) (any, *apiError) {
	delete(b.Objects, objectKey(q))
	return noContent, nil
}

type listObjectsXML struct {
	XMLName               xml.Name        `xml:"ListBucketResult"`
	Xmlns                 string          `xml:"xmlns,attr"`
	Name                  string          `xml:"Name"`
	Prefix                string          `xml:"Prefix"`
	Marker                *string         `xml:"Marker,omitempty"`
	NextMarker            string          `xml:"NextMarker,omitempty"`
	StartAfter            string          `xml:"StartAfter,omitempty"`
	ContinuationToken     string          `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string          `xml:"NextContinuationToken,omitempty"`
	KeyCount              *int            `xml:"KeyCount,omitempty"`
	MaxKeys               int             `xml:"MaxKeys"`
	Delimiter             string          `xml:"Delimiter,omitempty"`
	IsTruncated           bool            `xml:"IsTruncated"`
	Contents              []objectItemXML `xml:"Contents"`
	CommonPrefixes        []prefixXML     `xml:"CommonPrefixes,omitempty"`
}

type objectItemXML struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int    `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type prefixXML struct {
	Prefix string `xml:"Prefix"`
}

// listObjects serves ListObjects (marker) and, with list-type=2,
// ListObjectsV2 (start-after, continuation-token): keys in UTF-8 binary
// order after the marker, at most max-keys (default and maximum 1000) a
// page, rolled up at the delimiter when one is given.
func (s *Server) listObjects(q *request, b *bucket) (any, *apiError) {
	query := q.r.URL.Query()
	v2 := query.Get("list-type") == "2"
	maxKeys := 1000
	if v := query.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, newErr("InvalidArgument", "Provided max-keys not an integer or within integer range")
		}
		maxKeys = min(n, 1000)
	}
	prefix, delim := query.Get("prefix"), query.Get("delimiter")
	out := listObjectsXML{Xmlns: s3XMLNS, Name: b.Name, Prefix: prefix, MaxKeys: maxKeys, Delimiter: delim, Contents: []objectItemXML{}}
	after := ""
	if v2 {
		after = query.Get("start-after")
		out.StartAfter = after
		if tok := query.Get("continuation-token"); tok != "" {
			raw, err := base64.RawURLEncoding.DecodeString(tok)
			if err != nil {
				return nil, newErr("InvalidArgument", "The continuation token provided is incorrect")
			}
			after = string(raw)
			out.ContinuationToken = tok
		}
	} else {
		after = query.Get("marker")
		out.Marker = &after
	}
	keys := make([]string, 0, len(b.Objects))
	for k := range b.Objects {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	n, last, seenPrefix := 0, "", map[string]bool{}
	for _, k := range keys {
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp := k[:len(prefix)+i+len(delim)]
				if seenPrefix[cp] || (after != "" && strings.HasPrefix(after, cp)) {
					continue
				}
				if n == maxKeys {
					out.IsTruncated = true
					break
				}
				seenPrefix[cp] = true
				out.CommonPrefixes = append(out.CommonPrefixes, prefixXML{Prefix: cp})
				n++
				last = cp
				continue
			}
		}
		if n == maxKeys {
			out.IsTruncated = true
			break
		}
		o := b.Objects[k]
		out.Contents = append(out.Contents, objectItemXML{Key: k, LastModified: iso8601(o.LastModified), ETag: o.ETag, Size: len(o.Data), StorageClass: "STANDARD"})
		n++
		last = k
	}
	if out.IsTruncated {
		if v2 {
			out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(last))
		} else if delim != "" {
			out.NextMarker = last
		}
	}
	if v2 {
		out.KeyCount = &n
	}
	return out, nil
}
