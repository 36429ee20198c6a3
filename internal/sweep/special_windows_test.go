//go:build windows

package sweep

import "testing"

func makeSpecialFiles(t *testing.T, root string) int  { return 0 }
func makeUnreadable(t *testing.T, root string) string { return "" }
