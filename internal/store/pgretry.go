package store

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL drops a hub's connections when it restarts, fails over, or an
// administrator terminates them; the pool still holds the dead connections
// and the next statement on one fails ("terminating connection due to
// administrator command"). database/sql retries a statement on a fresh
// connection when the driver answers driver.ErrBadConn, which the driver
// must only do when the server cannot have run the statement. These
// wrappers give that answer for the two such cases: the server said it was
// shutting the connection down (class 57P: the statement never ran), or
// pgx knows nothing was sent. A lost COMMIT is never retried (it may have
// succeeded): it stays an error.

// pgConnector opens pgx connections wrapped by retryConn.
type pgConnector struct{ driver.Connector }

func newPgConnector(url string) (driver.Connector, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	return pgConnector{stdlib.GetConnector(*cfg)}, nil
}

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &retryConn{Conn: conn.(*stdlib.Conn)}, nil
}

// badConn turns an error that proves the statement did not run on a dead
// connection into driver.ErrBadConn.
func badConn(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03") {
		return driver.ErrBadConn
	}
	if pgconn.SafeToRetry(err) {
		return driver.ErrBadConn
	}
	return err
}

type retryConn struct{ *stdlib.Conn }

var (
	_ driver.ConnBeginTx        = (*retryConn)(nil)
	_ driver.ConnPrepareContext = (*retryConn)(nil)
	_ driver.ExecerContext      = (*retryConn)(nil)
	_ driver.QueryerContext     = (*retryConn)(nil)
	_ driver.Pinger             = (*retryConn)(nil)
	_ driver.SessionResetter    = (*retryConn)(nil)
	_ driver.NamedValueChecker  = (*retryConn)(nil)
	_ driver.StmtExecContext    = (*retryStmt)(nil)
	_ driver.StmtQueryContext   = (*retryStmt)(nil)
)

func (c *retryConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	return tx, badConn(err)
}

func (c *retryConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, badConn(err)
	}
	return &retryStmt{Stmt: st.(*stdlib.Stmt)}, nil
}

func (c *retryConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *retryConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	r, err := c.Conn.ExecContext(ctx, query, args)
	return r, badConn(err)
}

func (c *retryConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	r, err := c.Conn.QueryContext(ctx, query, args)
	return r, badConn(err)
}

func (c *retryConn) Ping(ctx context.Context) error { return badConn(c.Conn.Ping(ctx)) }

type retryStmt struct{ *stdlib.Stmt }

func (s *retryStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	r, err := s.Stmt.ExecContext(ctx, args)
	return r, badConn(err)
}

func (s *retryStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	r, err := s.Stmt.QueryContext(ctx, args)
	return r, badConn(err)
}
