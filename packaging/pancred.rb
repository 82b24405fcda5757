# Homebrew formula for pancred (macOS and Linux), built from the source archive that
# packaging/deb.sh writes (target/dist/pancred-VERSION.tar.gz); deb.sh also writes this formula
# with that archive's SHA-256 filled in (target/dist/pancred.rb). Set RELEASE_URL to where the
# archive is published.
class Pancred < Formula
  desc "Terminal credential manager for OAuth 2.0 clients: TUI, CLI and a credentials engine"
  homepage "https://crates.io/crates/pancred"
  url "RELEASE_URL/pancred-0.1.0.tar.gz"
  sha256 "SOURCE_SHA256"
  license "ISC"

  depends_on "rust" => :build

  def install
    # Both executables: `pancred` answers cached tokens and runs `pancred-full` for the rest.
    system "cargo", "install", "--locked", "--root", prefix, "--path", "."
    system "cargo", "run", "--locked", "--release", "--example", "man", "--", buildpath/"man"
    man1.install Dir[buildpath/"man/*.1"]
    generate_completions_from_executable(bin/"pancred", "completions")
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/pancred --version")
    # A cached token from a file store, without any network.
    (testpath/"creds.json").write <<~JSON
      {"profiles": {"1": {"profile": "default", "access_token": "cached-token",
                          "expires_at": 4102444800}}}
    JSON
    ENV["PANCRED_STORE"] = "file"
    ENV["PAN_CREDENTIALS_DBFILE"] = (testpath/"creds.json").to_s
    assert_equal "cached-token", shell_output("#{bin}/pancred token").strip
  end
end
