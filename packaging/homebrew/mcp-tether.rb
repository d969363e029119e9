# Homebrew formula for mcp-tether: a TEMPLATE. The release workflow
# (.github/workflows/release.yml) fills every @…@ with
# packaging/homebrew/render.mjs (the version, and the url and sha256 of each
# prebuilt release archive) and pushes the result to the tap repo as
# Formula/mcp-tether.rb; then:
#   brew install OWNER/tap/mcp-tether
class McpTether < Formula
  desc "Bridge stdio-only MCP hosts to remote Streamable HTTP MCP servers with OAuth 2.1"
  homepage "@HOMEPAGE@"
  version "@VERSION@"
  license any_of: ["MIT", "Apache-2.0"]

  # The prebuilt binaries of the GitHub release (static musl ones on Linux).
  on_macos do
    on_arm do
      url "@URL:aarch64-apple-darwin@"
      sha256 "@SHA256:aarch64-apple-darwin@"
    end
    on_intel do
      url "@URL:x86_64-apple-darwin@"
      sha256 "@SHA256:x86_64-apple-darwin@"
    end
  end

  on_linux do
    on_arm do
      url "@URL:aarch64-unknown-linux-musl@"
      sha256 "@SHA256:aarch64-unknown-linux-musl@"
    end
    on_intel do
      url "@URL:x86_64-unknown-linux-musl@"
      sha256 "@SHA256:x86_64-unknown-linux-musl@"
    end
  end

  def install
    bin.install "mcp-tether"
    # Generated from the CLI definition and checked in (tests/it/generated.rs).
    bash_completion.install "completions/mcp-tether.bash" => "mcp-tether"
    zsh_completion.install "completions/_mcp-tether"
    fish_completion.install "completions/mcp-tether.fish"
    man1.install "man/mcp-tether.1"
  end

  test do
    assert_match "mcp-tether #{version}", shell_output("#{bin}/mcp-tether --version")
    assert_match "Usage: mcp-tether doctor", shell_output("#{bin}/mcp-tether doctor --help")
  end
end
