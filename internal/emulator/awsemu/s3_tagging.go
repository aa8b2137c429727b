package awsemu

import (
	"encoding/xml"
	"net/http"
	"strings"
	"unicode/utf8"
)

// S3 bucket tagging: PutBucketTagging replaces the whole tag set,
// GetBucketTagging answers NoSuchTagSet for a bucket without tags (never
// an empty TagSet), DeleteBucketTagging removes them; IAM authorises the
// delete with s3:PutBucketTagging.

// maxBucketTags is S3's limit of tags per bucket.
const maxBucketTags = 50

// s3Tag is one bucket tag, in the order it was put.
type s3Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// taggingXML is the Tagging document of Get/PutBucketTagging.
type taggingXML struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	TagSet  *struct {
		Tags []s3Tag `xml:"Tag"`
	} `xml:"TagSet"`
}

func invalidTag(msg string) *apiError { return newErr("InvalidTag", msg) }

func (s *Server) getBucketTagging(_ *request, b *bucket) (any, *apiError) {
	if len(b.Tags) == 0 {
		e := newErr("NoSuchTagSet", "The TagSet does not exist", http.StatusNotFound)
		e.Extra = map[string]string{"BucketName": b.Name}
		return nil, e
	}
	out := taggingXML{Xmlns: s3XMLNS}
	out.TagSet = &struct {
		Tags []s3Tag `xml:"Tag"`
	}{Tags: append([]s3Tag(nil), b.Tags...)}
	return out, nil
}

// putBucketTagging replaces the bucket's tags after S3's checks: at most
// 50, each key 1-128 and each value at most 256 characters, no key twice,
// none in the reserved aws: prefix. An empty TagSet removes every tag.
func (s *Server) putBucketTagging(q *request, b *bucket) (any, *apiError) {
	var in taggingXML
	if err := xml.Unmarshal(q.body, &in); err != nil || in.TagSet == nil {
		return nil, malformedXML()
	}
	tags := in.TagSet.Tags
	if len(tags) > maxBucketTags {
		return nil, invalidTag("Bucket tag count cannot be greater than 50")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		switch n := utf8.RuneCountInString(t.Key); {
		case n == 0:
			return nil, invalidTag("The TagKey you have provided is invalid")
		case n > 128:
			return nil, invalidTag("The TagKey you have provided is too long, max 128")
		case utf8.RuneCountInString(t.Value) > 256:
			return nil, invalidTag("The TagValue you have provided is too long, max 256")
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return nil, invalidTag("System tags cannot be added/updated by requester")
		case seen[t.Key]:
			return nil, invalidTag("Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
	}
	b.Tags = append([]s3Tag(nil), tags...)
	return noContent, nil
}

func (s *Server) deleteBucketTagging(_ *request, b *bucket) (any, *apiError) {
	b.Tags = nil
	return noContent, nil
}
