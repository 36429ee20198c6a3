//go:build !unix

package milter

func setMaxSegment(fd uintptr) {}
