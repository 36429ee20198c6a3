package hub

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/warninglist"
	"github.com/vigie-project/vigie/internal/ratelimit"
	"github.com/vigie-project/vigie/internal/store"
)

//go:embed openapi.yaml
var openapiYAML []byte

// Options configure a Server.
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// BodyLimit bounds JSON request bodies (default 16 MiB).
	BodyLimit int64
	// ImportLimit bounds indicator imports and TAXII posts (default 256 MiB).
	ImportLimit int64
	// Correlation sets when sightings raise a campaign alert.
	Correlation store.Correlation
	// TLS tells the server it is reached over HTTPS (HSTS, secure cookies).
	TLS bool
	// UI serves everything that is not the API (the web UI); nil serves a
	// plain page pointing at the API.
	UI http.Handler
	// Warninglists drop known-good values on import (default: the built-in
	// lists).
	Warninglists *warninglist.Set
	// TrustedProxies are the reverse proxies and load balancers in front of
	// the hub: only a request from one of them may name the client's
	// address in X-Forwarded-For (and the scheme in X-Forwarded-Proto).
	// Login throttling keys on that address.
	TrustedProxies []netip.Prefix
	// Breadth bounds network range indicators: a CIDR block wider than
	// it is refused on import (zero: indicator.DefaultBreadth, /16 and /32).
	Breadth indicator.Breadth
	// MetricsToken, when set, lets /metrics on the main listener answer a
	// scraper that sends "Authorization: Bearer MetricsToken". When empty,
	// the main listener does not serve metrics: serve MetricsHandler on a
	// separate, private listener (vigie serve --metrics-listen).
	MetricsToken string
	// PublicURL is the hub's address as parties reach it
	// ("https://hub.example.org"), used in TAXII discovery; empty means
	// the scheme and Host of each request.
	PublicURL string
	// SpoolDir holds uploads being imported as jobs (vigie serve puts it
	// in --data; empty: a temporary directory). ImportDir is where the
	// agency puts files too big to upload, imported by name
	// (POST /api/v1/imports?path=NAME; empty: none). JobLimit bounds an
	// upload imported as a job (default 64 GiB).
	SpoolDir, ImportDir string
	JobLimit            int64
	// Notify configures notifications (mail relay, webhook guard, batching).
	Notify NotifyOptions
	// LeakDir is the directory where the agency places leak dumps (and
	// their DKIM key archives) for the hub to verify; empty: cases load
	// uploaded reports only. CaseWorkDir keeps each verification's
	// checkpoint (so an interrupted one continues); LeakWorkers is the
	// number of items examined at once (0: one per CPU).
	LeakDir, CaseWorkDir string
	LeakWorkers          int
	// StatementKey signs the public statements of leak cases (SSHSIG);
	// StatementIdentity is the name its public key is published under.
	StatementKey      ssh.Signer
	StatementIdentity string
	// PublicRate is how many requests per minute one address may make to
	// the public leak pages and lookup (default 30).
	PublicRate int
	// Now is the clock (tests).
	Now func() time.Time
}

// Server is the hub's HTTP server.
type Server struct {
	opts    Options
	st      *store.Store
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
	now     func() time.Time

	touchMu sync.Mutex
	touched map[int64]time.Time // token id -> last recorded use

	feedMu    sync.Mutex
	feedCache map[string]mispFeed // by org and indicator sequence

	publicLimit *ratelimit.Limiter // the public leak pages and lookup

	seen sensorSeen // indicator pulls recorded (assess.go)

	posture *PostureSchedule // nil: this hub does not check posture

	notifyMu         sync.Mutex
	advisoryNotifier AdvisoryNotifier // told of advisory events (advisories.go)
	jobsOnce         sync.Once
	jobsMu           sync.Mutex
	jobr             *jobRunner   // import jobs, see importjob.go
	hookClient       *http.Client // webhooks, through opts.Notify.Guard
}

// New makes a server on a store.
func New(opts Options) *Server {
	if opts.BodyLimit <= 0 {
		opts.BodyLimit = 16 << 20
	}
	if opts.ImportLimit <= 0 {
		opts.ImportLimit = 256 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Warninglists == nil {
		opts.Warninglists = warninglist.Builtin()
	}
	if opts.Correlation.MinParties == 0 {
		opts.Correlation = store.DefaultCorrelation
	}
	opts.Notify.defaults()
	s := &Server{opts: opts, st: opts.Store, log: opts.Logger, mux: http.NewServeMux(), metrics: newMetrics(), now: opts.Now,
		touched: map[int64]time.Time{}, feedCache: map[string]mispFeed{}}
	if s.opts.JobLimit <= 0 {
		s.opts.JobLimit = 64 << 30
	}
	s.hookClient = hookClientFor(opts.Notify.Guard)
	s.advisoryNotifier = advisoryNotifications{s}
	s.routes()
	s.recoverJobs(context.Background())
	return s
}

// Store returns the server's store (for the web UI).
func (s *Server) Store() *store.Store { return s.st }

// SetUI sets the handler of the web UI (everything outside the API).
func (s *Server) SetUI(h http.Handler) { s.opts.UI = h }

// TLS reports whether the server is reached over HTTPS.
func (s *Server) TLS() bool { return s.opts.TLS }

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.handleHealth)
	m.HandleFunc("GET /metrics", s.handleMetrics)
	m.HandleFunc("GET /api/v1/openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(openapiYAML)
	})
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, *Principal)) {
		m.HandleFunc(pattern, s.withToken(h))
	}
	api("GET /api/v1/me", s.handleMe)
	api("GET /api/v1/indicators", s.handlePull)
	api("POST /api/v1/indicators", s.handleCreateIndicators)
	api("POST /api/v1/indicators/import", s.handleImport)
	api("GET /api/v1/indicators/{id}", s.handleGetIndicator)
	api("PATCH /api/v1/indicators/{id}", s.handlePatchIndicator)
	api("POST /api/v1/indicators/{id}/expire", s.handleExpireIndicator)
	api("GET /api/v1/sightings", s.handleListSightings)
	api("POST /api/v1/sightings", s.handlePostSightings)
	api("GET /api/v1/findings", s.handleListFindings)
	api("POST /api/v1/findings", s.handlePostFindings)
	api("GET /api/v1/alerts", s.handleListAlerts)
	api("POST /api/v1/alerts/{id}/close", s.handleCloseAlert)
	api("GET /api/v1/dashboard", s.handleDashboard)
	api("GET /api/v1/orgs", s.handleListOrgs)
	api("POST /api/v1/orgs", s.handleCreateOrg)
	api("GET /api/v1/users", s.handleListUsers)
	api("POST /api/v1/users", s.handleCreateUser)
	api("PATCH /api/v1/users/{id}", s.handlePatchUser)
	api("DELETE /api/v1/users/{id}", s.handleDeleteUser)
	api("GET /api/v1/tokens", s.handleListTokens)
	api("POST /api/v1/tokens", s.handleCreateToken)
	api("DELETE /api/v1/tokens/{id}", s.handleRevokeToken)
	api("GET /api/v1/audit", s.handleAudit)
	s.modelRoutes()
	s.assessRoutes()
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.Method+" "+r.URL.Path+" (see /api/v1/openapi.yaml)")
	})
	s.settingsRoutes()
	s.taxiiRoutes()
	s.mispRoutes()
	s.advisoryRoutes()
	s.importJobRoutes()
	s.caseRoutes()
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if s.opts.UI != nil {
			s.opts.UI.ServeHTTP(w, r)
			return
		}
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "Vigie hub. API: /api/v1/ (see /api/v1/openapi.yaml), TAXII 2.1: /taxii2/, MISP feed: /misp/feed/manifest.json")
	})
}

// ServeHTTP adds the security headers, measures the request and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.Secure(r) {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	id := newRequestID()
	h.Set("X-Request-Id", id)
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
	sw := &statusWriter{ResponseWriter: w, code: 200}
	s.mux.ServeHTTP(sw, r)
	route := r.Pattern
	if route == "" {
		route = "other"
	}
	s.metrics.observe(route, sw.code, time.Since(start))
}

type requestIDKey struct{}

// newRequestID returns a short random id that names a request in the log
// and in the error a user sees.
func newRequestID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// RequestID returns the id the hub gave the request of ctx ("" outside
// one).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Logger is the hub's logger (the web UI logs through it).
func (s *Server) Logger() *slog.Logger { return s.log }

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.st.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": string(s.st.Dialect())})
}

// handleMetrics serves /metrics on the main listener, only to a scraper
// holding the metrics token: the counters tell an outsider how many
// parties report, how often logins fail, and when the hub restarted.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if s.opts.MetricsToken == "" {
		writeError(w, http.StatusNotFound, "metrics are not served here: use the hub's --metrics-listen address, or set --metrics-token-file")
		return
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.opts.MetricsToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vigie-metrics"`)
		writeError(w, http.StatusUnauthorized, "metrics need \"Authorization: Bearer\" with the metrics token")
		return
	}
	s.writeMetrics(w)
}

func (s *Server) writeMetrics(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w)
}

// MetricsHandler serves the Prometheus metrics without authentication, for
// a separate listener that only the monitoring system can reach.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) { s.writeMetrics(w) })
	mux.HandleFunc("GET /healthz", s.handleHealth)
	return mux
}

// ClientIP is the address of the client that made r: the connection's
// peer, or, when that peer is a trusted proxy, the rightmost address in
// X-Forwarded-For that is not itself a trusted proxy. A client cannot forge
// its address by sending the header itself.
func (s *Server) ClientIP(r *http.Request) string {
	peer := remoteAddr(r)
	if !s.trusted(peer) {
		return peer.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	var addrs []string
	for _, h := range hops {
		for a := range strings.SplitSeq(h, ",") {
			addrs = append(addrs, strings.TrimSpace(a))
		}
	}
	client := peer
	for i := len(addrs) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(addrs[i])
		if err != nil {
			break // a garbled hop: trust nothing to its left
		}
		client = a.Unmap()
		if !s.trusted(client) {
			break
		}
	}
	return client.String()
}

// Secure reports whether the browser reached the hub over HTTPS: the hub
// serves TLS itself, or a trusted proxy says so in X-Forwarded-Proto.
func (s *Server) Secure(r *http.Request) bool {
	if s.opts.TLS || r.TLS != nil {
		return true
	}
	return s.trusted(remoteAddr(r)) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

func remoteAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads --trusted-proxy values: CIDR ranges or single
// addresses.
func ParseTrustedProxies(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if p, err := netip.ParsePrefix(part); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: want an address or a CIDR range such as 10.0.0.0/8", part)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

// Principal is who makes a request: an organisation, a role, and the token
// or user acting.
type Principal struct {
	OrgID   int64
	OrgName string
	Agency  bool
	Role    string
	Actor   string // "token:vgt_AbCdEf", "user:alice"
	TokenID int64
	UserID  int64
}

// Viewer is the store scope of the principal.
func (p *Principal) Viewer() store.Viewer { return store.Viewer{OrgID: p.OrgID, Agency: p.Agency} }

// ActorFor is the audit identity of the principal.
func (p *Principal) ActorFor() store.Actor { return store.Actor{OrgID: p.OrgID, Name: p.Actor} }

// Can reports whether the principal may do action.
func (p *Principal) Can(action string) bool {
	switch action {
	case "read": // indicators, feeds
		return true
	case "report": // post sightings and findings
		return p.Role == store.RoleSensor || p.Role == store.RoleAdmin || p.Role == store.RoleAnalyst
	case "view": // sightings, findings, dashboard, organisations
		return p.Role != store.RoleSensor
	case "publish": // create and edit indicators, close alerts
		return p.Agency && (p.Role == store.RoleAdmin || p.Role == store.RoleAnalyst)
	case "admin": // users and tokens of the organisation, audit log
		return p.Role == store.RoleAdmin
	case "orgs": // create organisations
		return p.Agency && p.Role == store.RoleAdmin
	}
	return false
}

var errUnauthenticated = errors.New("missing or invalid credentials: send \"Authorization: Bearer TOKEN\"")

// PrincipalForToken authenticates an API token.
func (s *Server) PrincipalForToken(ctx context.Context, secret string) (*Principal, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, errUnauthenticated
	}
	t, err := s.st.TokenByHash(ctx, HashToken(secret))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !t.Usable(now) {
		return nil, errors.New("this token was revoked or has expired")
	}
	s.touchMu.Lock()
	last := s.touched[t.ID]
	due := now.Sub(last) > time.Minute
	if due {
		s.touched[t.ID] = now
	}
	s.touchMu.Unlock()
	if due {
		if err := s.st.TouchToken(ctx, t.ID, now); err != nil {
			s.log.Warn("recording token use", "err", err)
		}
		if t.Role == store.RoleSensor {
			if err := s.st.TouchOrg(ctx, t.OrgID, now); err != nil {
				s.log.Warn("recording contact", "err", err)
			}
		}
	}
	return &Principal{OrgID: t.OrgID, OrgName: t.OrgName, Agency: t.OrgKind == store.KindAgency, Role: t.Role, Actor: "token:" + t.Prefix, TokenID: t.ID}, nil
}

// principalFromRequest reads Bearer, or Basic with the token as password.
func (s *Server) principalFromRequest(r *http.Request) (*Principal, error) {
	h := r.Header.Get("Authorization")
	if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return s.PrincipalForToken(r.Context(), strings.TrimSpace(rest))
	}
	if _, pw, ok := r.BasicAuth(); ok {
		return s.PrincipalForToken(r.Context(), pw)
	}
	return nil, errUnauthenticated
}

func (s *Server) withToken(h func(http.ResponseWriter, *http.Request, *Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.principalFromRequest(r)
		if err != nil {
			if errors.Is(err, errUnauthenticated) || strings.Contains(err.Error(), "revoked") {
				w.Header().Set("WWW-Authenticate", `Bearer realm="vigie"`)
				writeError(w, http.StatusUnauthorized, err.Error())
				return
			}
			s.serverError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, p)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// apiError is the body of every API error.
type apiError struct {
	Error    string `json:"error"`
	Problems any    `json:"problems,omitempty"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, apiError{Error: msg})
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", mbe.Limit))
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, context.Canceled):
		// the client went away
	default:
		id := RequestID(r.Context())
		s.log.Error("request failed", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error (the hub's log has the details, request "+id+")")
	}
}

// ListenOptions say where and how to serve.
type ListenOptions struct {
	Addr string
	// CertFile and KeyFile enable TLS.
	CertFile, KeyFile string
	// SelfSigned generates (once, in DataDir) a self-signed certificate
	// for first use when no certificate is given.
	SelfSigned bool
	// TLSNames are the public names (DNS names or IP addresses) the
	// sensors use to reach the hub, put in the self-signed certificate.
	TLSNames []string
	DataDir  string
	// Ready, if set, is called with the bound address.
	Ready func(addr net.Addr)
}

// Serve serves h until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, h http.Handler, lo ListenOptions) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	ln, err := net.Listen("tcp", lo.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", lo.Addr, err)
	}
	if lo.CertFile == "" && lo.SelfSigned {
		lo.CertFile, lo.KeyFile, err = SelfSignedCertFor(lo.DataDir, ln.Addr().String(), lo.TLSNames)
		if err != nil {
			ln.Close()
			return err
		}
	}
	if lo.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(lo.CertFile, lo.KeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	if lo.Ready != nil {
		lo.Ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// SelfSignedCert returns the paths of a self-signed certificate and key in
// dir, creating them (ECDSA P-256, one year) if they do not exist. It is
// for first use: browsers warn about it; use a real certificate after.
func SelfSignedCert(dir, addr string) (certFile, keyFile string, err error) {
	return SelfSignedCertFor(dir, addr, nil)
}

// SelfSignedCertFor is SelfSignedCert with the public names the sensors
// use to reach the hub (DNS names or IP addresses, --tls-names). A
// certificate made earlier that lacks one of the names is made again.
// Sensors trust it with --hub-ca pointing at a copy of certFile.
func SelfSignedCertFor(dir, addr string, names []string) (certFile, keyFile string, err error) {
	certFile, keyFile = filepath.Join(dir, "selfsigned-cert.pem"), filepath.Join(dir, "selfsigned-key.pem")
	for _, n := range names {
		if strings.TrimSpace(n) == "" || strings.ContainsAny(n, " /:@") && net.ParseIP(n) == nil {
			return "", "", fmt.Errorf("--tls-names: %q is not a host name or an IP address", n)
		}
	}
	if _, err1 := os.Stat(certFile); err1 == nil {
		if _, err2 := os.Stat(keyFile); err2 == nil && certCovers(certFile, names) {
			return certFile, keyFile, nil
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("self-signed certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("self-signed certificate: %w", err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	host, _, _ := net.SplitHostPort(addr)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Vigie hub (self-signed)"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if h, _ := os.Hostname(); h != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, h)
	}
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() && !ip.IsLoopback() {
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, strings.ToLower(strings.TrimSuffix(n, ".")))
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", fmt.Errorf("self-signed certificate: %w", err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("self-signed certificate: %w", err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return "", "", fmt.Errorf("self-signed certificate: %w", err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return "", "", fmt.Errorf("self-signed certificate: %w", err)
	}
	return certFile, keyFile, nil
}

// certCovers reports whether the certificate in path is valid for every
// name (and for a while yet).
func certCovers(path string, names []string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return false
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil || time.Now().Add(24*time.Hour).After(c.NotAfter) {
		return false
	}
	for _, n := range names {
		if c.VerifyHostname(strings.TrimSuffix(n, ".")) != nil {
			return false
		}
	}
	return true
}
