package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testEnv(vars map[string]string) environment {
	return func(k string) string { return vars[k] }
}

func TestConfigDefaultsFollowXDG(t *testing.T) {
	env := testEnv(map[string]string{"XDG_CONFIG_HOME": "/cfg", "XDG_DATA_HOME": "/data", "HOME": "/home/u"})
	cfg, err := loadConfig(env, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.File != "/cfg/dexra-tui/config.toml" || cfg.DB != "/data/dexra-tui/history.db" {
		t.Fatalf("paths: file %s db %s", cfg.File, cfg.DB)
	}
	if cfg.Addr != "127.0.0.1:4242" || cfg.Scheme != "auto" || cfg.MaxBody != 5<<20 || cfg.Profile != "sandbox" {
		t.Fatalf("defaults: %+v", cfg)
	}
	env = testEnv(map[string]string{"HOME": "/home/u"})
	cfg, _ = loadConfig(env, "")
	if cfg.DB != "/home/u/.local/share/dexra-tui/history.db" || cfg.File != "/home/u/.config/dexra-tui/config.toml" {
		t.Fatalf("fallback paths: %s %s", cfg.DB, cfg.File)
	}
}

func TestConfigPrecedenceEnvOverFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.toml")
	os.WriteFile(file, []byte(`addr = "127.0.0.1:9000"
db = "/file.db"
secrets = ["from-file"]
tolerance = "2m"

[[source]]
prefix = "/stripe"
scheme = "stripe"
secrets = ["whsec_x"]
`), 0o600)
	cfg, err := loadConfig(testEnv(map[string]string{"HOME": dir}), file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9000" || cfg.DB != "/file.db" || cfg.Secrets[0] != "from-file" || cfg.Tolerance.Minutes() != 2 {
		t.Fatalf("file values not applied: %+v", cfg)
	}
	if len(cfg.Sources) != 1 || cfg.Sources[0].Scheme != "stripe" {
		t.Fatalf("sources: %+v", cfg.Sources)
	}
	cfg, err = loadConfig(testEnv(map[string]string{"HOME": dir, "DEXRA_WEBHOOK_SECRET": "a, b", "DEXRA_TUI_DB": "/env.db"}), file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Secrets, "|") != "a|b" || cfg.DB != "/env.db" {
		t.Fatalf("env must beat file: %+v", cfg)
	}
}

func TestConfigBadFileIsAClearError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(file, []byte("addr = [oops"), 0o600)
	_, err := loadConfig(testEnv(nil), file)
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("want an error naming %s, got %v", file, err)
	}
	os.WriteFile(file, []byte("[[source]]\nprefix = \"nope\"\n"), 0o600)
	if _, err := loadConfig(testEnv(nil), file); err == nil || !strings.Contains(err.Error(), "must start with /") {
		t.Fatalf("want a prefix error, got %v", err)
	}
}

func TestGeneratedSecretIsSaved0600KeepingTheFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sub", "config.toml")
	cfg, err := loadConfig(testEnv(map[string]string{"HOME": dir}), file)
	if err != nil {
		t.Fatal(err)
	}
	g, err := generateMissing(&cfg)
	secret := g.secret
	if err != nil || !strings.HasPrefix(secret, "whsec_") || cfg.Secrets[0] != secret || len(g.verifyToken) != 32 || cfg.VerifyToken != g.verifyToken {
		t.Fatalf("generated %+v err %v cfg %v", g, err, cfg.Secrets)
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatal("generating must not save: the run may still fail before showing it")
	}
	if err := saveGenerated(file, g); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file mode: %v %v", fi, err)
	}
	again, err := loadConfig(testEnv(map[string]string{"HOME": dir}), file)
	if err != nil || len(again.Secrets) != 1 || again.Secrets[0] != secret || again.VerifyToken != g.verifyToken {
		t.Fatalf("saved values not read back: %v %q %v", again.Secrets, again.VerifyToken, err)
	}
	if second, _ := generateMissing(&again); second.any() {
		t.Fatal("configured values must not be replaced")
	}
}

func TestSavingASecretKeepsTheRestOfTheFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.toml")
	orig := "# my settings\naddr = \"127.0.0.1:9000\"\n\n[[source]]\nprefix = \"/stripe\"\nscheme = \"stripe\"\n"
	os.WriteFile(file, []byte(orig), 0o600)
	if err := saveGenerated(file, generated{secret: "whsec_new"}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(file)
	if !strings.HasSuffix(string(got), orig) {
		t.Fatalf("the file's own content was not kept:\n%s", got)
	}
	cfg, err := loadConfig(testEnv(nil), file)
	if err != nil || cfg.Secrets[0] != "whsec_new" || cfg.Addr != "127.0.0.1:9000" || len(cfg.Sources) != 1 || cfg.Sources[0].Secrets != nil {
		t.Fatalf("after saving: %+v %v", cfg, err)
	}
}

func TestUnknownConfigKeyIsAnError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(file, []byte("secret = \"typo\"\n"), 0o600)
	if _, err := loadConfig(testEnv(nil), file); err == nil || !strings.Contains(err.Error(), `unknown key "secret"`) {
		t.Fatalf("want an unknown-key error, got %v", err)
	}
}

// Without a home directory the defaults are refused, never made relative to the
// directory the command runs in.
func TestNoHomeIsAClearErrorNotARelativePath(t *testing.T) {
	t.Setenv("HOME", "")
	if _, err := loadConfig(testEnv(nil), ""); !errors.Is(err, errNoHome) {
		t.Fatalf("loadConfig without HOME: %v", err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	var out, errOut syncBuffer
	code := (&App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Env: testEnv(nil)}).Run(t.Context(), []string{"listen", "--addr", "127.0.0.1:0"})
	if code == 0 || !strings.Contains(errOut.String(), "HOME") {
		t.Fatalf("listen without HOME: %d %q", code, errOut.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Fatalf("files made in the working directory: %v", entries)
	}
}
