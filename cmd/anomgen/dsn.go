package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/providers"
	driver "github.com/go-sql-driver/mysql"
)

// connURL is a connection string given on the command line (demo -source,
// init -from), taken apart into a source block's settings. It is never
// printed whole: Display leaves the password out.
type connURL struct {
	Type     string // postgres or mysql
	Host     string
	Port     int
	Database string
	Username string
	Password string
	// TLS is a source block's tls value, or empty for the default (TLS when
	// the server offers it).
	TLS string
	// Options are the remaining parameters, for the source's options map.
	Options map[string]string
}

// errNotURL says a string is not a connection string at all (init -from
// then reads it as a source name).
var errNotURL = errors.New("not a connection URL")

// looksLikeURL reports whether s is meant as a connection string rather
// than a source name.
func looksLikeURL(s string) bool {
	return strings.Contains(s, "://") || strings.Contains(s, "@tcp(") || strings.Contains(s, "@unix(") || strings.HasPrefix(s, "tcp(")
}

// parseConnURL reads postgres://user:password@host:5432/database?sslmode=…
// (or postgresql://), mysql://user:password@host:3306/database (or
// mariadb://), and the MySQL driver's user:password@tcp(host:3306)/database.
// Its errors never quote s: it may hold a password.
func parseConnURL(s string) (*connURL, error) {
	if !looksLikeURL(s) {
		return nil, errNotURL
	}
	if !strings.Contains(s, "://") {
		return parseMySQLDSN(s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("the connection URL does not parse (it is not shown: it may hold a password); URL-encode special characters of the user name and password, e.g. @ as %40, / as %2F, # as %23, ? as %3F")
	}
	c := &connURL{Options: map[string]string{}}
	switch strings.ToLower(u.Scheme) {
	case "postgres", "postgresql":
		c.Type, c.Port = "postgres", 5432
	case "mysql", "mariadb":
		c.Type, c.Port = "mysql", 3306
	default:
		return nil, fmt.Errorf("connection URLs start with postgres://, postgresql://, mysql:// or mariadb://, not %s://", u.Scheme)
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		c.Host = "localhost"
	}
	if strings.Contains(c.Host, ",") {
		return nil, errors.New("the connection URL names several hosts; name one")
	}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil || c.Port <= 0 || c.Port > 65535 {
			return nil, errors.New("the connection URL's port is not a number from 1 to 65535")
		}
	}
	c.Database = strings.TrimPrefix(u.Path, "/")
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New("the connection URL's parameters (after ?) do not parse")
	}
	for k, vs := range q {
		if len(vs) == 0 {
			continue
		}
		v := vs[len(vs)-1]
		switch strings.ToLower(k) {
		case "sslmode":
			if c.Type != "postgres" {
				return nil, errors.New("sslmode is a PostgreSQL parameter; MySQL URLs take tls=true, skip-verify, preferred or false")
			}
			switch v {
			case "disable", "require", "verify-ca", "verify-full":
				c.TLS = v
			case "allow", "prefer":
			default:
				return nil, fmt.Errorf("sslmode=%s: use disable, prefer, require, verify-ca or verify-full", v)
			}
		case "tls":
			if c.Type != "mysql" {
				return nil, errors.New("tls is a MySQL parameter; PostgreSQL URLs take sslmode")
			}
			if c.TLS, err = mysqlTLS(v); err != nil {
				return nil, err
			}
		case "sslrootcert", "sslcert", "sslkey", "sslpassword", "password", "passfile":
			return nil, fmt.Errorf("the connection URL's %s cannot be taken over: write a source block with ca_file, cert_file and key_file instead", k)
		default:
			c.Options[k] = v
		}
	}
	return c, c.check()
}

func parseMySQLDSN(s string) (*connURL, error) {
	cfg, err := driver.ParseDSN(s)
	if err != nil {
		return nil, errors.New("the MySQL DSN does not parse (it is not shown: it may hold a password); write it as user:password@tcp(host:3306)/database, or as mysql://user:password@host:3306/database")
	}
	if cfg.Net != "tcp" {
		return nil, fmt.Errorf("the MySQL DSN connects over %s; anomgen connects over tcp(host:port)", cfg.Net)
	}
	c := &connURL{Type: "mysql", Port: 3306, Username: cfg.User, Password: cfg.Passwd, Database: cfg.DBName, Options: map[string]string{}}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		host = cfg.Addr
	} else if c.Port, err = strconv.Atoi(port); err != nil {
		return nil, errors.New("the MySQL DSN's port is not a number")
	}
	c.Host = host
	if c.TLS, err = mysqlTLS(cfg.TLSConfig); err != nil {
		return nil, err
	}
	for k, v := range cfg.Params {
		c.Options[k] = v
	}
	return c, c.check()
}

func mysqlTLS(v string) (string, error) {
	switch strings.ToLower(v) {
	case "", "preferred":
		return "", nil
	case "true":
		return "verify-full", nil
	case "skip-verify":
		return "require", nil
	case "false":
		return "disable", nil
	}
	return "", fmt.Errorf("tls=%s: use true, skip-verify, preferred or false", v)
}

func (c *connURL) check() error {
	if c.Database == "" {
		return errors.New("the connection URL names no database: add it after the host, e.g. …@127.0.0.1:5432/shop")
	}
	if strings.ContainsAny(c.Database, "/\x00") {
		return errors.New("the database name in the connection URL holds a / or a NUL")
	}
	return nil
}

// Display is the URL without the password and parameters, for messages.
func (c *connURL) Display() string {
	u := url.URL{Scheme: c.Type, Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), Path: "/" + c.Database}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	return u.String()
}

// Secrets are the values to keep out of every output.
func (c *connURL) Secrets() []string {
	if c.Password == "" {
		return nil
	}
	return []string{c.Password}
}

// Settings connects to database (the URL's own, or another on the same
// server).
func (c *connURL) Settings(name, database string) providers.Settings {
	opts := map[string]string{}
	for k, v := range c.Options {
		opts[k] = v
	}
	return providers.Settings{Type: c.Type, Name: name, Host: c.Host, Port: c.Port, Database: database,
		Username: c.Username, Password: c.Password, TLS: c.TLS, Options: opts}
}

// sourceBlock writes a source block for c, reading the password from the
// environment variable passwordEnv (never holding its value).
func (c *connURL) sourceBlock(name, passwordEnv string, allowWrites bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "source %q %q {\n", c.Type, name)
	kv := func(k, v string) { fmt.Fprintf(&b, "  %-12s = %s\n", k, v) }
	kv("host", hclString(c.Host))
	kv("port", strconv.Itoa(c.Port))
	kv("database", hclString(c.Database))
	if c.Username != "" {
		kv("username", hclString(c.Username))
	}
	if c.Password != "" {
		kv("password", fmt.Sprintf("env(%q)", passwordEnv))
	}
	if c.TLS != "" {
		kv("tls", hclString(c.TLS))
	}
	if len(c.Options) > 0 {
		var keys []string
		for k := range c.Options {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("  options = {\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "    %s = %s\n", hclString(k), hclString(c.Options[k]))
		}
		b.WriteString("  }\n")
	}
	if allowWrites {
		kv("allow_writes", "true")
	}
	b.WriteString("}\n")
	return b.String()
}

// argSecrets are the passwords of the connection strings among args, so
// that the redactor hides them from the first byte on (a mistyped command
// line may be quoted back in an error).
func argSecrets(args []string) []string {
	var out []string
	for _, a := range args {
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			a = v
		}
		if c, err := parseConnURL(a); c != nil && err == nil {
			out = append(out, c.Secrets()...)
		} else if looksLikeURL(a) {
			// Unparsable: hide what sits between the scheme and the host.
			rest := a
			if _, r, ok := strings.Cut(a, "://"); ok {
				rest = r
			}
			if at := strings.LastIndex(rest, "@"); at > 0 {
				if _, pw, ok := strings.Cut(rest[:at], ":"); ok && pw != "" {
					out = append(out, pw)
				}
			}
		}
	}
	return out
}
