package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// addLimitFlags adds serve's request-rate limit flags (docs/adr/0051),
// whose defaults come from the environment, else from
// web.DefaultRequestLimits. The check it returns reports a bad value,
// naming the flag and variable that set it.
func addLimitFlags(cmd *cobra.Command, env Env, l *web.RequestLimits) (check func() error) {
	var errs []error
	envNumber := func(key string, def float64) float64 {
		v := env.Getenv(key)
		if v == "" {
			return def
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not a number", key, v))
		}
		return n
	}
	envInt := func(key string, def int) int {
		v := env.Getenv(key)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not a whole number", key, v))
		}
		return n
	}
	d, f := web.DefaultRequestLimits, cmd.Flags()
	f.Float64Var(&l.Credential.PerSecond, "api-rate", envNumber("FIRELINE_API_RATE", d.Credential.PerSecond),
		"requests a second each API token and each console session may make, on average; 0 turns the limit off (env FIRELINE_API_RATE)")
	f.IntVar(&l.Credential.Burst, "api-burst", envInt("FIRELINE_API_BURST", d.Credential.Burst),
		"requests each API token and each console session may make at once (env FIRELINE_API_BURST)")
	f.Float64Var(&l.Address.PerSecond, "address-rate", envNumber("FIRELINE_ADDRESS_RATE", d.Address.PerSecond),
		"requests a second each client address may make, all its tokens and sessions together; 0 turns the limit off (env FIRELINE_ADDRESS_RATE)")
	f.IntVar(&l.Address.Burst, "address-burst", envInt("FIRELINE_ADDRESS_BURST", d.Address.Burst),
		"requests each client address may make at once (env FIRELINE_ADDRESS_BURST)")
	return func() error {
		for _, c := range []struct {
			rate, burst string
			limit       fireline.RateLimit
		}{{"--api-rate (FIRELINE_API_RATE)", "--api-burst (FIRELINE_API_BURST)", l.Credential},
			{"--address-rate (FIRELINE_ADDRESS_RATE)", "--address-burst (FIRELINE_ADDRESS_BURST)", l.Address}} {
			switch {
			case !(c.limit.PerSecond >= 0):
				errs = append(errs, fmt.Errorf("%s must be 0 (no limit) or more", c.rate))
			case c.limit.PerSecond > 0 && c.limit.Burst < 1:
				errs = append(errs, fmt.Errorf("%s must be at least 1 when %s is set", c.burst, c.rate))
			}
		}
		return errors.Join(errs...)
	}
}
