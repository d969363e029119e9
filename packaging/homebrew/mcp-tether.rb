# Homebrew formula for mcp-tether, built from source.
#
# Put it in a tap (e.g. github.com/OWNER/homebrew-tap as Formula/mcp-tether.rb),
# fill in `url` and `sha256` for the release tarball, then:
#   brew install OWNER/tap/mcp-tether
class McpTether < Formula
  desc "Bridge stdio-only MCP hosts to remote Streamable HTTP MCP servers with OAuth 2.1"
  homepage "https://github.com/OWNER/mcp-tether"
  url "https://github.com/OWNER/mcp-tether/archive/refs/tags/v0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license any_of: ["MIT", "Apache-2.0"]
  head "https://github.com/OWNER/mcp-tether.git", branch: "main"

  depends_on "rust" => :build

  def install
    system "cargo", "install", *std_cargo_args

    # Generated from the CLI definition and checked in (tests/it/generated.rs).
    bash_completion.install "completions/mcp-tether.bash" => "mcp-tether"
    zsh_completion.install "completions/_mcp-tether"
    fish_completion.install "completions/mcp-tether.fish"
    man1.install "man/mcp-tether.1"
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/mcp-tether --version")
    # No server needed: a bad URL is refused before any network access.
    assert_match "not a valid URL", shell_output("#{bin}/mcp-tether doctor not-a-url 2>&1", 2)
  end
end
