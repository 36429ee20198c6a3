package web

import (
	"strconv"

	"github.com/vigie-project/vigie/internal/indicator"
)

type indicatorT = indicator.Indicator

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
