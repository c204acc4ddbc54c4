// Package oracle is the Oracle Database 19c+ provider
// (github.com/sijms/go-ora/v2, pure Go: no Instant Client).
//
// Names: Oracle folds unquoted names to upper case, so a scenario's
// table = "orders" finds ORDERS when no table is named "orders" exactly;
// the profile carries the names as stored and the dialect always quotes
// them. Journals: see Dialect.
//
// Known limits: CLOB and BLOB columns cannot be compared by the rollback's
// conflict checks (DECODE takes no LOBs), so anomalies on them, and
// volume_drop on tables that have them, cannot be rolled back; rows deleted
// from a table with a GENERATED ALWAYS identity column cannot be inserted
// back (Oracle has no override); LONG columns cannot be journaled.
package oracle

import (
	"context"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/providers"
	go_ora "github.com/sijms/go-ora/v2"
	"github.com/sijms/go-ora/v2/network"
)

func init() { providers.Register("oracle", drv{}) }

type drv struct{}

// DefaultConnectTimeout bounds dialing and logging in when the source sets
// no connect_timeout.
const DefaultConnectTimeout = 10 * time.Second

// Config is how Open connects: the go-ora URL and what the URL cannot
// carry. URL holds the password: never show it.
type Config struct {
	URL string
	// TLS is the client TLS configuration (nil without TLS, or when a
	// wallet directory supplies the certificates).
	TLS *tls.Config
	// ConnectTimeout bounds the dial, the TLS handshake and the login.
	ConnectTimeout time.Duration
	// Host (host:port), Service and User are for display and errors.
	Host, Service, User string
}

// timeoutKeys are go-ora's spellings of its TIMEOUT option.
var timeoutKeys = []string{"TIMEOUT", "CONNECT TIMEOUT", "CONNECTION TIMEOUT"}

// ConnConfig builds the connection configuration of s:
//
//   - dsn (oracle://user:password@host:1521/service?option=value), or host,
//     port, database (the service name), username and password;
//   - tls: "" and "disable" connect over TCP (Oracle has no opportunistic
//     TLS: TCPS is a listener of its own, often on port 2484); "require"
//     uses TCPS without verifying the certificate; "verify-ca" verifies the
//     chain against ca_file (or the system roots); "verify-full" the host
//     name too. cert_file and key_file are a client certificate. A ca_file
//     that is a directory is an Oracle wallet (cwallet.sso or ewallet.p12),
//     which go-ora reads itself (it then always checks the host name). With
//     a dsn, tls applies only when the dsn has no SSL option of its own;
//   - options are go-ora URL options ("SSL VERIFY", "TRACE FILE", "SID",
//     "LOB FETCH", ...), set over the dsn's and the defaults;
//   - connect_timeout bounds the dial and login (default 10s). go-ora's own
//     TIMEOUT option is a deadline on every network read, which would
//     break long statements, so it is 0 (none) unless options set it.
func ConnConfig(s providers.Settings) (*Config, error) {
	source := "source." + s.Type + "." + s.Name
	var u *url.URL
	if s.DSN != "" {
		p, err := url.Parse(s.DSN)
		if err != nil || !strings.EqualFold(p.Scheme, "oracle") || p.Host == "" {
			return nil, &providers.ConnectError{Class: providers.ClassOther, Source: source,
				Detail: "the dsn is not an Oracle URL",
				Hint:   "Use the form oracle://user:password@host:1521/service_name (the dsn is not shown)"}
		}
		u = p
	} else {
		port := s.Port
		if port == 0 {
			port = 1521
		}
		u = &url.URL{Scheme: "oracle", Host: net.JoinHostPort(s.Host, strconv.Itoa(port)), Path: "/" + s.Database}
		if s.Username != "" {
			u.User = url.UserPassword(s.Username, s.Password)
		}
	}
	q := u.Query()
	set := func(key, val string) { // replace key in any letter case
		for k := range q {
			if strings.EqualFold(k, key) {
				delete(q, k)
			}
		}
		q.Set(key, val)
	}
	has := func(keys ...string) bool {
		for k := range q {
			for _, want := range keys {
				if strings.EqualFold(k, want) {
					return true
				}
			}
		}
		return false
	}
	if !has(timeoutKeys...) {
		q.Set("TIMEOUT", "0")
	}
	if !has("PROGRAM") {
		q.Set("PROGRAM", "anomgen")
	}
	cfg := &Config{Host: u.Host, Service: strings.Trim(u.Path, "/"), User: u.User.Username()}
	if s.DSN == "" || !has("SSL", "WALLET") {
		switch s.TLS {
		case "", "disable":
		case "require", "verify-ca", "verify-full":
			set("SSL", "true")
			set("SSL VERIFY", strconv.FormatBool(s.TLS != "require"))
			if st, err := os.Stat(s.CAFile); err == nil && st.IsDir() { // an Oracle wallet
				set("WALLET", s.CAFile)
				break
			}
			host, _, _ := net.SplitHostPort(u.Host)
			tc, err := providers.TLSConfig(s, host)
			if err != nil {
				return nil, err
			}
			cfg.TLS = tc
		default:
			return nil, &providers.ConnectError{Class: providers.ClassTLS, Source: source,
				Detail: fmt.Sprintf("tls = %q is not a mode anomgen knows", s.TLS), Hint: "Use disable, require, verify-ca or verify-full"}
		}
	}
	for k, v := range s.Options {
		set(k, v)
	}
	for k, v := range q {
		if strings.EqualFold(k, "SID") && len(v) > 0 && cfg.Service == "" {
			cfg.Service = v[0]
		}
		if strings.EqualFold(k, "SERVICE NAME") && len(v) > 0 {
			cfg.Service = v[0]
		}
	}
	u.RawQuery = q.Encode()
	cfg.URL = u.String()
	cfg.ConnectTimeout = DefaultConnectTimeout
	if s.ConnectTimeout > 0 {
		cfg.ConnectTimeout = time.Duration(s.ConnectTimeout) * time.Second
	}
	return cfg, nil
}

// connector opens go-ora connections with the TLS configuration and dial
// timeout of a Config, and sets every session's time zone to UTC: go-ora
// sets it to the client's local zone at login, and TIMESTAMP WITH TIME ZONE
// comparisons and conversions use the session's zone.
type connector struct {
	cfg *Config
	drv driver.Driver
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	oc, ok := go_ora.NewConnector(c.cfg.URL).(*go_ora.OracleConnector)
	if !ok {
		return nil, errors.New("go-ora returned an unexpected connector type")
	}
	if c.cfg.TLS != nil {
		// go-ora writes ServerName into the configuration it is given.
		oc.WithTLSConfig(c.cfg.TLS.Clone())
	}
	oc.Dialer(&net.Dialer{Timeout: c.cfg.ConnectTimeout, KeepAlive: 30 * time.Second})
	cctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	defer cancel()
	conn, err := oc.Connect(cctx)
	if err != nil {
		if cctx.Err() != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("%w: no answer within %s (%v)", context.DeadlineExceeded, c.cfg.ConnectTimeout, err)
		}
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, errors.New("go-ora connection cannot execute statements")
	}
	if _, err := ex.ExecContext(cctx, "ALTER SESSION SET TIME_ZONE = '+00:00'", nil); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func (c *connector) Driver() driver.Driver { return c.drv }

// DB opens a pool over cfg (without connecting yet).
func DB(cfg *Config) *sql.DB {
	return sql.OpenDB(&connector{cfg: cfg, drv: go_ora.NewDriver()})
}

func (drv) Open(ctx context.Context, s providers.Settings) (*providers.Conn, error) {
	cfg, err := ConnConfig(s)
	if err != nil {
		return nil, err
	}
	db := DB(cfg)
	db.SetMaxOpenConns(s.PoolSize()) // max_connections
	var user string
	if err := (providers.DB{DB: db}).QueryRowContext(ctx, "SELECT USER FROM DUAL").Scan(&user); err != nil {
		db.Close()
		return nil, classify(err, s, cfg)
	}
	return &providers.Conn{DB: providers.DB{DB: db}, Dialect: Dialect{}, Inspector: &inspector{db: providers.DB{DB: db}, journalSchema: s.JournalSchema}, Host: cfg.Host, Database: cfg.Service,
		Version: version(ctx, db), User: grantee(user)}, nil
}

// version reads the server's banner. V$VERSION may need privileges, and
// PRODUCT_COMPONENT_VERSION is readable by everyone; the _FULL columns
// (18c+) carry the release update, e.g. 19.22.0.0.0.
func version(ctx context.Context, db *sql.DB) string {
	for _, q := range []string{
		"SELECT BANNER_FULL FROM V$VERSION WHERE BANNER_FULL LIKE 'Oracle%'",
		"SELECT BANNER FROM V$VERSION WHERE BANNER LIKE 'Oracle%'",
		"SELECT 'Oracle Database ' || VERSION_FULL FROM PRODUCT_COMPONENT_VERSION WHERE PRODUCT LIKE 'Oracle%'",
		"SELECT 'Oracle Database ' || VERSION FROM PRODUCT_COMPONENT_VERSION WHERE PRODUCT LIKE 'Oracle%'",
	} {
		var v sql.NullString
		if (providers.DB{DB: db}).QueryRowContext(ctx, q).Scan(&v) == nil && v.String != "" {
			return strings.Join(strings.Fields(v.String), " ")
		}
	}
	return "Oracle Database (version not readable)"
}

var tablespaceName = regexp.MustCompile(`tablespace '([^']+)'`)

var plainIdent = regexp.MustCompile(`^[A-Z][A-Z0-9_$#]*$`)

// grantee writes a stored user or object name as a GRANT needs it: bare
// when it reads the same unquoted, else quoted.
func grantee(name string) string {
	if plainIdent.MatchString(name) {
		return name
	}
	return Dialect{}.Quote(name)
}

// oraError returns the ORA- error in err's chain.
func oraError(err error) (*network.OracleError, bool) {
	var oe *network.OracleError
	if errors.As(err, &oe) {
		return oe, true
	}
	return nil, false
}

// oraMessage is an ORA- error's text without go-ora's "error occur at
// position" suffix.
func oraMessage(oe *network.OracleError) string {
	msg := oe.Error()
	if i := strings.Index(msg, " error occur at position"); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(providers.FirstLine(msg))
}

func isTLSError(err error) bool { return providers.IsTLSError(err) }

// classify turns a failed first connection into a *providers.ConnectError.
// Nothing in it comes from the URL, so the password cannot appear.
func classify(err error, s providers.Settings, cfg *Config) error {
	ce := &providers.ConnectError{Class: providers.ClassOther,
		Source: fmt.Sprintf("source.%s.%s (%s, service %s)", s.Type, s.Name, cfg.Host, cfg.Service)}
	user := cfg.User
	if oe, ok := oraError(err); ok {
		switch oe.ErrCode {
		case 1017:
			ce.Class, ce.Detail = providers.ClassAuth, fmt.Sprintf("the server refused user %q (ORA-01017: invalid username or password)", user)
			ce.Hint = "Check the username and password (the password is not shown); unquoted Oracle user names are upper case"
		case 28000:
			ce.Class, ce.Detail = providers.ClassAuth, fmt.Sprintf("the account %q is locked (ORA-28000)", user)
			ce.Hint = "An administrator can unlock it: ALTER USER ... ACCOUNT UNLOCK"
		case 28001:
			ce.Class, ce.Detail = providers.ClassAuth, fmt.Sprintf("the password of %q has expired (ORA-28001)", user)
			ce.Hint = "Set a new password (ALTER USER ... IDENTIFIED BY ...), then update the source"
		case 1045:
			ce.Class, ce.Detail = providers.ClassPermission, fmt.Sprintf("user %q may not log in: it lacks CREATE SESSION (ORA-01045)", user)
			ce.Hint = "GRANT CREATE SESSION TO the user"
		case 12514, 12505:
			ce.Class, ce.Detail = providers.ClassDatabase, fmt.Sprintf("the listener at %s does not know service %q (ORA-%05d)", cfg.Host, cfg.Service, oe.ErrCode)
			ce.Hint = "Set database to a service name the listener serves (lsnrctl services lists them; e.g. ORCLPDB1 or FREEPDB1), or give options = { SID = \"...\" }"
		case 12541, 12170, 12535, 12543, 12545, 12560, 12537:
			ce.Class, ce.Detail, ce.Transient = providers.ClassUnreachable, fmt.Sprintf("no Oracle listener answered at %s (%s)", cfg.Host, oraMessage(oe)), true
			ce.Hint = "Is the database running and its listener on this host and port? Check host and port"
		case 12516, 12518, 12519, 12520, 12528, 1033, 1034, 1089:
			ce.Class, ce.Detail, ce.Transient = providers.ClassBusy, oraMessage(oe), true
			ce.Hint = "The database is starting, stopping or out of connections; try again shortly"
		default:
			ce.Detail = oraMessage(oe)
		}
		return ce
	}
	var ne net.Error
	switch {
	case isTLSError(err):
		ce.Class, ce.Detail = providers.ClassTLS, "the TLS handshake failed: "+providers.FirstLine(err.Error())
		ce.Hint = "Check tls (disable for a TCP listener; require, verify-ca or verify-full for a TCPS one, often on port 2484), ca_file and the server's certificate"
	case errors.Is(err, context.DeadlineExceeded):
		ce.Class, ce.Detail, ce.Transient = providers.ClassUnreachable, fmt.Sprintf("the server at %s did not answer within %s", cfg.Host, cfg.ConnectTimeout), true
		ce.Hint = "Check host and port, firewalls, and tls (a TCPS listener does not answer plain TCP); raise connect_timeout for a slow network"
	case errors.As(err, &ne), strings.Contains(err.Error(), "connection refused"), strings.Contains(err.Error(), "no such host"):
		ce.Class, ce.Detail, ce.Transient = providers.ClassUnreachable, "the server did not answer: "+providers.FirstLine(err.Error()), true
		ce.Hint = fmt.Sprintf("Is the Oracle listener running on %s? Check host and port", cfg.Host)
	case providers.IsConnLost(err):
		ce.Class, ce.Detail, ce.Transient = providers.ClassUnreachable, "the server closed the connection during login", true
		ce.Hint = "Check tls: a TCPS listener drops plain TCP connections, and a TCP listener drops TLS ones"
	default:
		ce.Detail = providers.FirstLine(err.Error())
	}
	return ce
}

// Classify recognises ORA- errors of statements (providers.Classifier).
func (drv) Classify(err error) *providers.Error {
	oe, ok := oraError(err)
	if !ok {
		return nil
	}
	msg := oraMessage(oe)
	switch oe.ErrCode {
	case 1031:
		return providers.Permission(err, "", "", "")
	case 1950:
		// Named as a QUOTA on the tablespace, so that the executor asks the
		// inspector (Grant) for the ALTER USER that fixes it.
		object := ""
		if m := tablespaceName.FindStringSubmatch(msg); m != nil {
			object = "tablespace " + m[1]
		}
		return providers.Permission(err, "QUOTA", object, "")
	case 54, 30006, 4021:
		return &providers.Error{Class: providers.ClassLockTimeout, Detail: msg, Err: err,
			Hint: "Another session holds a lock on the table; try again when it has finished"}
	case 60, 8177:
		return &providers.Error{Class: providers.ClassSerialization, Detail: msg, Err: err, Hint: "Run the command again"}
	case 28, 1012, 2396, 3113, 3114, 3135:
		return providers.ConnLost(err, msg)
	case 32795:
		return &providers.Error{Class: providers.ClassOther, Detail: msg, Err: err,
			Hint: "Oracle cannot insert explicit values into a GENERATED ALWAYS identity column, so deleted rows cannot be put back as they were. An administrator can ALTER TABLE ... MODIFY <column> GENERATED BY DEFAULT AS IDENTITY for the rollback"}
	case 932:
		if strings.Contains(msg, "LOB") {
			return &providers.Error{Class: providers.ClassOther, Detail: msg, Err: err,
				Hint: "Oracle cannot compare CLOB or BLOB values, which the conflict checks of a rollback do; the journal table still holds the before-images"}
		}
	}
	return nil
}
