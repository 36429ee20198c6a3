//go:build windows

package sweep

import "testing"

func makeSpecialFiles(t *testing.T, root string) int  { return 0 }
func makeUnreadable(t *testing.T, root string) string { return "" }

func asNobody(t *testing.T, test string) {
	t.Skip("no unprivileged user to run as on Windows: the real permission case is not checked")
}
