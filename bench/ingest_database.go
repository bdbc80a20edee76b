package bench

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/web"
)

// ingestPolicy is the default policy with intake's rate limits off and,
// with several alert groups, alerts grouped by alertname, so that each
// group has an incident of its own.
func ingestPolicy(groups int) string {
	y := strings.Replace(string(policy.DefaultYAML()), "rate_limit: { per_second: 200, burst: 1000 }", "rate_limit: { per_second: 0, burst: 0 }", 1)
	if groups > 1 {
		y = strings.Replace(y, "\n  group_by: []\n", "\n  group_by: [alertname]\n", 1)
	}
	return y
}

// ingestDatabase starts replicas servers on dsn (rate limits off) and runs
// the scenarios against them and the trivial handler.
func ingestDatabase(ctx context.Context, cfg IngestConfig, dsn string, replicas int, trivial string) ([]ingestRow, error) {
	dir, err := os.MkdirTemp("", "fireline-bench-policy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	polPath := filepath.Join(dir, "fireline.yaml")
	if err := os.WriteFile(polPath, []byte(ingestPolicy(cfg.Groups)), 0o600); err != nil {
		return nil, err
	}
	name, dsn, drop, err := benchDatabase(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer drop()
	if replicas > 1 {
		name += " x" + strconv.Itoa(replicas)
	}
	admin := fireline.TokenPrefix + rand.Text()
	urls, stop, err := startServers(ctx, cfg.Start, replicas, ServerConfig{DB: dsn, PolicyPath: polPath, BootstrapToken: admin})
	if err != nil {
		return nil, err
	}
	defer stop()
	ci, err := web.NewClient(strings.TrimSuffix(urls[0], intakePath), admin).CreateIntegration(ctx, fireline.IntegrationInput{
		Type: fireline.IntegrationAlertmanager, Service: "api-gateway", Name: "bench-" + strings.ToLower(rand.Text()[:8])})
	if err != nil {
		return nil, err
	}
	b := &sender{cfg: cfg, key: ci.Key, url: urls[0], urls: urls, client: httpClient(slices.Max(cfg.Senders))}
	return b.scenarios(ctx, name, trivial), nil
}

// intakePath is where the senders post: Alertmanager's webhook.
const intakePath = "/integrations/alertmanager"

// startServers starts n servers (at least one) on the database, the first
// migrating it, and returns their intake URLs and a function that stops
// them all.
func startServers(ctx context.Context, start StartFunc, n int, sc ServerConfig) ([]string, func(), error) {
	var (
		urls    []string
		servers []Server
	)
	stop := func() {
		for _, s := range servers {
			s.Close(context.Background())
		}
	}
	for range max(n, 1) {
		var srv Server
		var err error
		// Labelled so that a CPU profile tells Fireline's goroutines from
		// the senders' and the trivial handler's.
		pprof.Do(ctx, pprof.Labels("bench", "fireline"), func(ctx context.Context) { srv, err = start(ctx, sc) })
		if err != nil {
			stop()
			return nil, nil, err
		}
		servers = append(servers, srv)
		urls = append(urls, srv.URL()+intakePath)
	}
	return urls, stop, nil
}
