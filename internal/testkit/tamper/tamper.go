// Package tamper alters delivered CloudTrail files with ordinary S3 calls,
// as someone covering their tracks would, for the log integrity tests.
package tamper

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// OverwriteLog replaces the gzipped log file bucket/key with its own
// content, the first from changed to to, gzipped again. A log without from
// is an error: nothing would have been tampered with.
func OverwriteLog(ctx context.Context, c *s3.Client, bucket, key, from, to string) error {
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("reading log %s: %w", key, err)
	}
	defer obj.Body.Close()
	zr, err := gzip.NewReader(obj.Body)
	if err != nil {
		return fmt.Errorf("log %s: %w", key, err)
	}
	content, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("log %s: %w", key, err)
	}
	changed := bytes.Replace(content, []byte(from), []byte(to), 1)
	if bytes.Equal(changed, content) {
		return fmt.Errorf("log %s holds no %q to change", key, from)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(changed); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(buf.Bytes())}); err != nil {
		return fmt.Errorf("overwriting log %s: %w", key, err)
	}
	return nil
}
