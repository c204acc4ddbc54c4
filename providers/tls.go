package providers

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// TLSConfig builds the client TLS configuration of a source's tls mode and
// PEM files, for drivers that take a *tls.Config:
//
//   - "disable": nil (no TLS).
//   - "" (prefer) and "require": encrypt without verifying the server's
//     certificate (ca_file is not used).
//   - "verify-ca": the server's certificate chain must lead to ca_file
//     (the system roots without it); the host name is not checked.
//   - "verify-full": the chain and the host name (serverName) are checked.
//
// cert_file and key_file, when set, are the client certificate in every
// mode. A file that cannot be read or parsed is a *ConnectError of class
// tls naming the file (paths are not secrets).
func TLSConfig(s Settings, serverName string) (*tls.Config, error) {
	source := "source." + s.Type + "." + s.Name
	fail := func(detail string) error {
		return &ConnectError{Class: ClassTLS, Source: source, Detail: detail,
			Hint: "Check ca_file, cert_file and key_file in the source block (PEM files, relative to the scenario folder)."}
	}
	if s.TLS == "disable" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.CertFile != "" || s.KeyFile != "" {
		if s.CertFile == "" || s.KeyFile == "" {
			return nil, fail("cert_file and key_file go together")
		}
		cert, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
		if err != nil {
			return nil, fail(fmt.Sprintf("the client certificate %s with key %s cannot be used: %s", s.CertFile, s.KeyFile, pathError(err)))
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	switch s.TLS {
	case "", "prefer", "require":
		cfg.InsecureSkipVerify = true
		return cfg, nil
	case "verify-ca", "verify-full":
	default:
		return nil, &ConnectError{Class: ClassTLS, Source: source, Detail: fmt.Sprintf("tls = %q is not a mode anomgen knows", s.TLS),
			Hint: "Use disable, require, verify-ca or verify-full"}
	}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fail(fmt.Sprintf("ca_file %s cannot be read: %s", s.CAFile, pathError(err)))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fail(fmt.Sprintf("ca_file %s holds no PEM certificate", s.CAFile))
		}
		cfg.RootCAs = pool
	}
	if s.TLS == "verify-full" {
		cfg.ServerName = serverName
		return cfg, nil
	}
	// verify-ca: check the chain ourselves, without the host name.
	roots := cfg.RootCAs
	cfg.InsecureSkipVerify = true
	cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("the server sent no certificate")
		}
		certs := make([]*x509.Certificate, len(raw))
		for i, b := range raw {
			c, err := x509.ParseCertificate(b)
			if err != nil {
				return fmt.Errorf("the server's certificate cannot be parsed: %w", err)
			}
			certs[i] = c
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
		for _, c := range certs[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, err := certs[0].Verify(opts)
		return err
	}
	return cfg, nil
}

// pathError returns the reason of a file error without repeating the path.
func pathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// IsTLSError reports whether err comes from a failed TLS handshake or
// certificate check: one of the standard library's TLS and x509 errors, or
// a message containing "tls:", "x509:" or one of the driver's own wordings
// in extra.
func IsTLSError(err error, extra ...string) bool {
	var uae x509.UnknownAuthorityError
	var he x509.HostnameError
	var cie x509.CertificateInvalidError
	var cve *tls.CertificateVerificationError
	var rhe tls.RecordHeaderError
	var ae tls.AlertError
	if errors.As(err, &uae) || errors.As(err, &he) || errors.As(err, &cie) || errors.As(err, &cve) || errors.As(err, &rhe) || errors.As(err, &ae) {
		return true
	}
	s := err.Error()
	for _, w := range append([]string{"tls:", "x509:"}, extra...) {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// CertificateReason says in a few words why the server's certificate was
// refused, when err is one of the standard library's certificate errors.
func CertificateReason(err error) (string, bool) {
	var uae x509.UnknownAuthorityError
	var he x509.HostnameError
	var cie x509.CertificateInvalidError
	switch {
	case errors.As(err, &uae):
		return "the server's certificate is not signed by a trusted authority (ca_file)", true
	case errors.As(err, &he):
		return "the server's certificate does not name host " + he.Host, true
	case errors.As(err, &cie):
		return "the server's certificate is not valid (" + cie.Error() + ")", true
	}
	return "", false
}
