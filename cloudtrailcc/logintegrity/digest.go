package logintegrity

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// maxDigestSize bounds a digest file, compressed and uncompressed: digests
// list at most an hour of log files.
const maxDigestSize = 64 << 20

// digestTimeLayout is how digest files write times.
const digestTimeLayout = time.RFC3339

// digest is the part of a digest file that is verified.
type digest struct {
	Start, End            time.Time
	Bucket, Key           string
	Fingerprint           string
	SignatureAlgorithm    string
	PrevBucket, PrevKey   string // "" when the digest starts a chain
	PrevHash, PrevHashAlg string
	PrevSignature         string // "" when null
	Logs                  []logRef

	endRaw    string // digestEndTime as the file writes it
	hash      string // hex SHA-256 of the uncompressed file
	signature string // from x-amz-meta-signature
	sigAlg    string // from x-amz-meta-signature-algorithm
}

// logRef is one log file a digest lists.
type logRef struct {
	Bucket, Key, Hash, HashAlg string
	Oldest, Newest             time.Time
}

// badFile is a file that cannot be judged: the reason goes in an error row.
type badFile struct{ reason string }

func (b badFile) Error() string { return b.reason }

// parseDigest reads a fetched digest file (gzip of JSON) and its metadata.
func parseDigest(raw []byte, meta map[string]string) (*digest, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, badFile{"digest file is not gzip: " + err.Error()}
	}
	content, err := io.ReadAll(io.LimitReader(zr, maxDigestSize+1))
	if err != nil {
		return nil, badFile{"digest file is not valid gzip: " + err.Error()}
	}
	if len(content) > maxDigestSize {
		return nil, badFile{"digest file is larger than 64 MiB uncompressed"}
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(content, &doc); err != nil {
		return nil, badFile{"digest file is not JSON: " + err.Error()}
	}
	d := &digest{signature: meta["signature"], sigAlg: meta["signature-algorithm"]}
	sum := sha256.Sum256(content)
	d.hash = hex.EncodeToString(sum[:])
	str := func(name string, dst *string, nullable bool) error {
		v, ok := doc[name]
		if !ok {
			return badFile{"digest file lacks " + name}
		}
		if string(v) == "null" {
			if nullable {
				return nil
			}
			return badFile{"digest file has a null " + name}
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return badFile{"digest file field " + name + " is not a string"}
		}
		return nil
	}
	var start, end string
	for _, f := range []struct {
		name     string
		dst      *string
		nullable bool
	}{
		{"digestStartTime", &start, false}, {"digestEndTime", &end, false},
		{"digestS3Bucket", &d.Bucket, false}, {"digestS3Object", &d.Key, false},
		{"digestPublicKeyFingerprint", &d.Fingerprint, false},
		{"digestSignatureAlgorithm", &d.SignatureAlgorithm, false},
		{"previousDigestS3Bucket", &d.PrevBucket, true}, {"previousDigestS3Object", &d.PrevKey, true},
		{"previousDigestHashValue", &d.PrevHash, true}, {"previousDigestHashAlgorithm", &d.PrevHashAlg, true},
		{"previousDigestSignature", &d.PrevSignature, true},
	} {
		if err := str(f.name, f.dst, f.nullable); err != nil {
			return nil, err
		}
	}
	if d.Start, err = time.Parse(digestTimeLayout, start); err != nil {
		return nil, badFile{"digestStartTime is not a time: " + start}
	}
	if d.End, err = time.Parse(digestTimeLayout, end); err != nil {
		return nil, badFile{"digestEndTime is not a time: " + end}
	}
	d.endRaw = end
	if d.PrevKey != "" && (d.PrevBucket == "" || d.PrevHash == "" || d.PrevSignature == "") {
		return nil, badFile{"digest file names a previous digest without its bucket, hash or signature"}
	}
	rawLogs, ok := doc["logFiles"]
	if !ok {
		return nil, badFile{"digest file lacks logFiles"}
	}
	var logs []struct {
		S3Bucket, S3Object, HashValue, HashAlgorithm *string
		OldestEventTime, NewestEventTime             *string
	}
	if err := json.Unmarshal(rawLogs, &logs); err != nil {
		return nil, badFile{"digest file logFiles is not a list of log files"}
	}
	for i, l := range logs {
		if l.S3Bucket == nil || l.S3Object == nil || l.HashValue == nil {
			return nil, badFile{fmt.Sprintf("digest file logFiles[%d] lacks s3Bucket, s3Object or hashValue", i)}
		}
		r := logRef{Bucket: *l.S3Bucket, Key: *l.S3Object, Hash: *l.HashValue}
		if l.HashAlgorithm != nil {
			r.HashAlg = *l.HashAlgorithm
		}
		if r.HashAlg != "" && r.HashAlg != "SHA-256" {
			return nil, badFile{fmt.Sprintf("digest file logFiles[%d] uses hash algorithm %q", i, r.HashAlg)}
		}
		if l.OldestEventTime != nil {
			r.Oldest, _ = time.Parse(digestTimeLayout, *l.OldestEventTime)
		}
		if l.NewestEventTime != nil {
			r.Newest, _ = time.Parse(digestTimeLayout, *l.NewestEventTime)
		}
		d.Logs = append(d.Logs, r)
	}
	return d, nil
}

// stringToSign is AWS's: digestEndTime, bucket/key, the hex SHA-256 of the
// uncompressed digest and the previous signature ("null" for none), one
// per line, digestEndTime as the file writes it.
func (d *digest) stringToSign() string {
	prev := d.PrevSignature
	if prev == "" {
		prev = "null"
	}
	return d.endRaw + "\n" + d.Bucket + "/" + d.Key + "\n" + d.hash + "\n" + prev
}

// parsePublicKey reads a ListPublicKeys value: CloudTrail's blob holds the
// base64 text of the DER key (raw DER is accepted too), PKCS #1 or
// SubjectPublicKeyInfo holding an RSA key.
func parsePublicKey(value []byte) (*rsa.PublicKey, error) {
	der := value
	if dec, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(value))); err == nil && len(dec) > 0 {
		der = dec
	}
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("public key does not parse as PKCS #1 or PKIX DER: %w", err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key is %T, not RSA", k)
	}
	return rk, nil
}

// verifySignature checks the digest's SHA256withRSA signature.
func (d *digest) verifySignature(key *rsa.PublicKey) error {
	sig, err := hex.DecodeString(d.signature)
	if err != nil {
		return fmt.Errorf("signature metadata is not hex")
	}
	msg := sha256.Sum256([]byte(d.stringToSign()))
	return rsa.VerifyPKCS1v15(key, crypto.SHA256, msg[:], sig)
}
