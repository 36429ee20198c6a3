package pe

import (
	"crypto/md5"
	"encoding/hex"
)

func md5String(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}
