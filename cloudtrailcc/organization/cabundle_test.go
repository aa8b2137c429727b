package organization_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/filewatch"
)

// selfSignedPEM is a CA certificate in PEM.
func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cloudtrailcc test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// countedBundle writes a CA bundle and returns its path and a function
// that counts the times it was opened since.
func countedBundle(t *testing.T) (string, func() int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, selfSignedPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, filewatch.Opens(t, path)
}

// The environment, shared files and CA bundle are read once for the whole
// organization: members' SDK configurations derive from the caller's
// instead of parsing the bundle again, once per account.
func TestCABundleIsReadOncePerOrganizationAudit(t *testing.T) {
	_, _, cfg := seeded(t)
	path, opens := countedBundle(t)
	t.Setenv("AWS_CA_BUNDLE", path)
	org := readAll(t, cfg)
	if org.Len() < 2 {
		t.Fatalf("read %d accounts; want the organization's members", org.Len())
	}
	if n := opens(); n != 1 {
		t.Fatalf("the CA bundle was read %d times for %d accounts; want once", n, org.Len())
	}
}
