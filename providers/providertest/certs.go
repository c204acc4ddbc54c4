package providertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Certs is a throwaway certificate authority with a server certificate
// (for DNS name db.example and 127.0.0.1) and a client certificate, as PEM
// files in the test's temp folder, for TLS tests that need no server.
type Certs struct {
	// CAFile is the authority's certificate; OtherCAFile another
	// authority's, which signed nothing here.
	CAFile, OtherCAFile string
	// ClientCert and ClientKey are the client certificate and its key.
	ClientCert, ClientKey string
	// Server is the server certificate with its key, for tls.Server.
	Server tls.Certificate
	// ServerName is the DNS name in the server certificate.
	ServerName string
}

// NewCerts creates the authorities and certificates.
func NewCerts(t testing.TB) *Certs {
	t.Helper()
	dir := t.TempDir()
	ca, caKey := selfSigned(t, "anomgen test CA")
	other, _ := selfSigned(t, "another CA")
	c := &Certs{ServerName: "db.example",
		CAFile: writePEM(t, dir, "ca.pem", "CERTIFICATE", ca.Raw), OtherCAFile: writePEM(t, dir, "other-ca.pem", "CERTIFICATE", other.Raw)}
	srvDER, srvKey := issue(t, ca, caKey, &x509.Certificate{Subject: pkix.Name{CommonName: "db.example"}, DNSNames: []string{"db.example"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	c.Server = tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
	cliDER, cliKey := issue(t, ca, caKey, &x509.Certificate{Subject: pkix.Name{CommonName: "anomgen"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	c.ClientCert = writePEM(t, dir, "client.pem", "CERTIFICATE", cliDER)
	keyDER, err := x509.MarshalPKCS8PrivateKey(cliKey)
	if err != nil {
		t.Fatal(err)
	}
	c.ClientKey = writePEM(t, dir, "client-key.pem", "PRIVATE KEY", keyDER)
	return c
}

// Handshake runs a TLS handshake between a client with cfg (its
// ServerName as given) and a server presenting the server certificate, on
// a loopback socket; it returns the client's error.
func (c *Certs) Handshake(cfg *tls.Config) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		s := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{c.Server}})
		_ = s.SetDeadline(time.Now().Add(10 * time.Second))
		_ = s.Handshake()
		s.Close()
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	return tls.Client(conn, cfg.Clone()).Handshake()
}

func selfSigned(t testing.TB, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func issue(t testing.TB, ca *x509.Certificate, caKey *ecdsa.PrivateKey, tmpl *x509.Certificate) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.SerialNumber, tmpl.NotBefore, tmpl.NotAfter = serial, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

func writePEM(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
