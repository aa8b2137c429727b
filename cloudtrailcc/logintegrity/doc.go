// Package logintegrity verifies CloudTrail log file integrity: for a trail,
// the accounts and regions it delivers for and a time window, it walks each
// digest chain backwards from the newest digest of the window, following
// previousDigestS3Object, and checks every digest (SHA256withRSA signature
// over AWS's string to sign with the public key its fingerprint names,
// from cloudtrail:ListPublicKeys; its link to the next digest: hash and
// signature) and every log file a digest lists (present; SHA-256 of the
// streamed, gunzipped content equal to the listed hash).
//
// Every digest and log file gets a Result (valid, modified, deleted,
// unknown_key, error); gaps in the chain (one or more digests missing,
// consecutive ones included), hours without a digest and log files no
// digest lists get Results too. Digests are found by listing only the
// digest prefix of the window's days, newest day first; objects are read
// through a bounded pool, each once, and log files are hashed while they
// stream, never held whole nor written to disk.
package logintegrity
