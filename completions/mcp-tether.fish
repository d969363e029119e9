# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mcp_tether_global_optspecs
    string join \n H/header= header-file= keep-alive ping-interval= transport= protocol= allow-http timeout= ca-cert= insecure connect-timeout= ipv4 ignore-tool= static-oauth-client-info= static-oauth-client-metadata= host= device-code client-credentials headers-timeout= body-timeout= enable-proxy disable-cookies scope= client-id= client-secret= client-secret-env= client-metadata-url= registration-token= resource-metadata= auth-server= auth-success-url= use-id-token dpop no-dpop token-endpoint= auth-server-metadata= resource= no-resource auth-param= assume-pkce callback-port= callback-host= callback-path= no-browser token-store= auth-timeout= flow= client-assertion-key= client-assertion-alg= assertion-file= assertion-env= idp-issuer= idp-token-endpoint= idp-client-id= idp-client-secret= idp-client-secret-env= id-token-file= id-token-env= log-level= log-file= debug silent h/help V/version
end

function __fish_mcp_tether_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mcp_tether_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mcp_tether_using_subcommand
    set -l cmd (__fish_mcp_tether_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -s H -l header -d 'Extra HTTP header sent with every request, as \'Name: value\' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header \'Authorization: Bearer ${API_TOKEN}\'' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l header-file -d 'Read more headers from a file: one \'Name: value\' per line, `#` starts a comment, ${VAR} is expanded. Keeps credentials out of the process list and the host\'s config. Example: --header-file ~/.config/mcp/github.headers' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l ping-interval -d 'Seconds between keep-alive pings (implies --keep-alive). Example: --ping-interval 15' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l transport -d 'Which transport to speak. `auto` tries Streamable HTTP and falls back to the 2024-11-05 HTTP+SSE transport when the server rejects the first POST. Example: --transport sse' -r -f -a "auto\t'Streamable HTTP first, then the legacy HTTP+SSE transport if the server rejects it'
streamable-http\t'Streamable HTTP only (MCP 2025-03-26 and later)'
sse\t'The legacy HTTP+SSE transport only (MCP 2024-11-05)'"
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l protocol -d 'Which MCP protocol era the server speaks. `auto` asks the server once (`server/discover`) and remembers the answer per server; a host that speaks the 2025 era then works with a 2026-07-28 server too. Example: --protocol legacy' -r -f -a "auto\t'Find out once per server (a `server/discover` on the first start), remember it'
legacy\t'The 2025 era: `initialize`, sessions (2025-11-25 and earlier)'
modern\t'MCP 2026-07-28: no handshake, no sessions; the bridge translates for the host'"
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l timeout -d 'Seconds to wait for a connection, for response headers and for a JSON body. Long-lived event streams are not cut by it. Example: --timeout 30' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l ca-cert -d 'Also trust the CA certificates in this PEM file (repeatable), on top of the system\'s trust store: for TLS-inspecting corporate proxies and private CAs. Example: --ca-cert /etc/ssl/corp-root.pem `SSL_CERT_FILE` is honoured the same way' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l connect-timeout -d 'Seconds to wait for a TCP (and TLS) connection, when it should differ from --timeout. Example: --connect-timeout 5' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l ignore-tool -d 'Hide tools whose name matches this pattern from the host (repeatable; `*` matches any run of characters). Example: --ignore-tool \'delete_*\'' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l static-oauth-client-info -d 'mcp-remote: `{"client_id": …, "client_secret": …}` as JSON or @file; the same as --client-id / --client-secret' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l static-oauth-client-metadata -d 'mcp-remote: client metadata as JSON or @file. `scope` maps to --scope; the rest is ignored (mcp-tether registers its own metadata)' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l host -d 'mcp-remote: the callback host name, the same as --callback-host' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l headers-timeout -d 'mcp-remote: seconds to wait for response headers, the same as --timeout' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l body-timeout -d 'mcp-remote: the longest gap between chunks of a body. mcp-tether never cuts an event stream for being idle and bounds JSON bodies by --timeout, so this is accepted and has no effect' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l scope -d 'Scopes to request, space-separated; overrides what the server asks for. Example: --scope \'openid offline_access api://mcp/.default\'' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l client-id -d 'A pre-registered OAuth client id, for providers without dynamic registration (Entra ID, Cognito, Auth0 by default, GitHub). Example: --client-id 1a2b3c' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l client-secret -d 'The client secret of a confidential pre-registered client. Prefer --client-secret-env, which keeps it out of process listings' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l client-secret-env -d 'Read the client secret from this environment variable. Example: --client-secret-env MCP_SECRET' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l client-metadata-url -d 'A Client ID Metadata Document URL to use as the client id, where the authorization server supports it. Example: --client-metadata-url https://example.com/client.json' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l registration-token -d 'An initial access token for registration endpoints that require one (Okta style). Example: --registration-token "$OKTA_IAT"' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l resource-metadata -d 'Where the server\'s protected resource metadata is, when it isn\'t at the well-known path. Example: --resource-metadata https://mcp.example.com/custom/prm.json' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l auth-server -d 'The authorization server\'s issuer, when the server doesn\'t say. Example: --auth-server https://login.example.com/tenant1' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l auth-success-url -d 'After a sign-in that worked, send the browser to this page instead of mcp-tether\'s own (https, or http on loopback; no query or fragment). Example: --auth-success-url https://intranet.example.com/mcp-connected' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l token-endpoint -d 'The token endpoint, for --flow client-credentials against an authorization server that publishes no metadata: discovery is skipped. Example: --token-endpoint https://auth.internal/oauth/token' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l auth-server-metadata -d 'The authorization server\'s metadata URL, for metadata on another host or path. Example: --auth-server-metadata https://idp.example.com/oauth/meta.json' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l resource -d 'The RFC 8707 resource to request tokens for (default: the server\'s own). Example: --resource https://mcp.example.com' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l auth-param -d 'An extra authorization request parameter (repeatable), such as Auth0\'s audience. Example: --auth-param audience=https://api.example.com' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l callback-port -d 'Listen for the sign-in callback on this port, for providers that only accept the exact redirect URI registered. Example: --callback-port 33418' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l callback-host -d 'Host name in the redirect URI: 127.0.0.1 (default) or localhost. The listener is on loopback either way. Example: --callback-host localhost' -r -f -a "127.0.0.1\t''
localhost\t''"
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l callback-path -d 'Path in the redirect URI. An app registered for mcp-remote needs no change at the provider with: --callback-host localhost --callback-port 3334 --callback-path /oauth/callback' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l token-store -d 'Where tokens are kept: the OS keyring (macOS Keychain, Windows Credential Manager, Secret Service), a private file, or auto (the keyring when one answers, else the file). Example: --token-store file' -r -f -a "auto\t''
keyring\t''
file\t''"
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l auth-timeout -d 'Seconds to wait for the sign-in to complete. Example: --auth-timeout 600' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l flow -d 'How to get a token: `auto` picks the device flow when no browser can be opened here (SSH, no display) and the server offers it, else the browser. Never picked by `auto`, for agents with no person signing in: `client-credentials`; `jwt-bearer`, a workload\'s own JWT (RFC 7523, with --assertion-file or --assertion-env); `enterprise`, an ID-JAG from the enterprise IdP for your ID token (SEP-990, with the --idp-* flags). Example: --flow device' -r -f -a "auto\t''
browser\t''
device\t''
client-credentials\t''
jwt-bearer\t''
enterprise\t''"
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l client-assertion-key -d 'Private key (PEM file) for private_key_jwt client authentication with --flow client-credentials. Example: --client-assertion-key agent.pem' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l client-assertion-alg -d 'Signing algorithm for --client-assertion-key. Example: --client-assertion-alg ES256' -r -f -a "RS256\t''
ES256\t''"
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l assertion-file -d '--flow jwt-bearer: the file holding the workload\'s JWT, read again at each token request (it rotates). Example: --assertion-file /var/run/secrets/tokens/mcp-token' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l assertion-env -d '--flow jwt-bearer: the environment variable holding the workload\'s JWT. Example: --assertion-env CI_JOB_JWT' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l idp-issuer -d '--flow enterprise: the enterprise IdP\'s issuer; its endpoints are discovered, and mcp-tether signs you in there unless --id-token-file or --id-token-env gives the ID token. Example: --idp-issuer https://acme.okta.com' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l idp-token-endpoint -d '--flow enterprise: the enterprise IdP\'s token endpoint (no discovery; needs --id-token-file or --id-token-env). Example: --idp-token-endpoint https://acme.okta.com/oauth2/v1/token' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l idp-client-id -d '--flow enterprise: this app\'s client id at the enterprise IdP. Example: --idp-client-id 0oa1b2c3' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l idp-client-secret -d '--flow enterprise: the IdP client\'s secret. Prefer --idp-client-secret-env' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l idp-client-secret-env -d '--flow enterprise: read the IdP client\'s secret from this environment variable. Example: --idp-client-secret-env IDP_SECRET' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l id-token-file -d '--flow enterprise: the file holding your ID token from the IdP, read again at each sign-in, instead of signing in to the IdP. Example: --id-token-file ~/.config/okta/id_token' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l id-token-env -d '--flow enterprise: the environment variable holding your ID token. Example: --id-token-env OKTA_ID_TOKEN' -r
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l log-level -d 'How much to log: error, warn, info, debug or trace. Example: --log-level debug' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l log-file -d 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l keep-alive -d 'Ping the server when the connection is otherwise idle, so load balancers and proxies don\'t drop it (every 30 s; see --ping-interval). Example: --keep-alive'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l allow-http -d 'Allow plain http:// to a host that is not loopback. Tokens and headers then travel unencrypted: use it only on a network you trust. Example: mcp-tether --allow-http http://mcp.internal:8080/mcp'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l insecure -d 'Accept any TLS certificate, even an invalid or self-signed one. For lab use only: anyone on the path can then read your tokens. mcp-tether warns on every start while it is set. Prefer --ca-cert'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l ipv4 -d 'Connect over IPv4 only, for hosts whose IPv6 addresses resolve but silently drop traffic. Example: --ipv4'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l device-code -d 'mcp-remote: the same as --flow device'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l client-credentials -d 'mcp-remote: the same as --flow client-credentials'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l enable-proxy -d 'mcp-remote: use HTTP(S)_PROXY / NO_PROXY. mcp-tether always does, so this is accepted and has no effect'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l disable-cookies -d 'Don\'t keep the cookies the server sets. By default cookies the MCP server sets (load-balancer stickiness) are sent back to it, in memory only, for the life of the process. Example: --disable-cookies'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l use-id-token -d 'Send the OpenID Connect ID token instead of the access token, for servers that check who the caller is rather than what it may do (Cognito in front of Bedrock AgentCore). Adds `openid` to the scope. Example: --use-id-token'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l dpop -d 'Bind tokens to a key this bridge holds (DPoP, RFC 9449) even though the MCP server doesn\'t ask for it. Without this flag, tokens are bound when the server asks (its resource metadata or a `DPoP` challenge) and the authorization server supports ES256. Example: --dpop'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l no-dpop -d 'Never bind tokens with DPoP, even when the server asks; for a server that advertises DPoP but takes only Bearer tokens. Example: --no-dpop'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l no-resource -d 'Leave the RFC 8707 `resource` parameter out of every authorization, token, refresh and device request, for providers that reject it (Entra ID v2: AADSTS9010010). The scope then has to name the API, e.g. --scope \'api://<app-id>/.default\'. Example: --no-resource'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l assume-pkce -d 'Use PKCE S256 even though the authorization server doesn\'t advertise it (Entra ID supports it without saying so). Example: --assume-pkce'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l no-browser -d 'Don\'t open a browser; only print the sign-in URL on stderr. Example: --no-browser'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l debug -d 'mcp-remote\'s --debug: the same as --log-level debug'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -l silent -d 'mcp-remote\'s --silent: the same as --log-level error (unless --debug)'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -s V -l version -d 'Print version'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -a "login" -d 'Sign in to a server in this terminal and store the token, so the bridge your host starts later just works. Example: mcp-tether login https://mcp.example.com/mcp'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -a "logout" -d 'Remove stored tokens and client registrations (revoking them first where the server allows). Example: mcp-tether logout https://mcp.example.com/mcp'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -a "status" -d 'List what is stored: server, issuer, client, scopes, expiry. Never the secrets'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -a "doctor" -d 'Check a server\'s authorization setup without relaying anything: what the bridge would discover, which client, scopes and flow it would use, and what to change when something would fail. Example: mcp-tether doctor https://mcp.example.com/mcp'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -a "add" -d 'Add a server to a host\'s config (after running doctor on it): the entry runs this binary by its full path, or npx/uvx with --via. Example: mcp-tether add example https://mcp.example.com/mcp --host claude-desktop'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -a "remove" -d 'Remove a server entry that `add` wrote from a host\'s config. Example: mcp-tether remove example --host claude-desktop'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -a "list" -d 'List the servers in a host\'s config that run through mcp-tether. Example: mcp-tether list --host cursor'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -a "completions" -d 'Print a shell completion script. Example: mcp-tether completions zsh > ~/.zfunc/_mcp-tether'
complete -c mcp-tether -n "__fish_mcp_tether_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -s H -l header -d 'Extra HTTP header sent with every request, as \'Name: value\' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header \'Authorization: Bearer ${API_TOKEN}\'' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l header-file -d 'Read more headers from a file: one \'Name: value\' per line, `#` starts a comment, ${VAR} is expanded. Keeps credentials out of the process list and the host\'s config. Example: --header-file ~/.config/mcp/github.headers' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l ping-interval -d 'Seconds between keep-alive pings (implies --keep-alive). Example: --ping-interval 15' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l transport -d 'Which transport to speak. `auto` tries Streamable HTTP and falls back to the 2024-11-05 HTTP+SSE transport when the server rejects the first POST. Example: --transport sse' -r -f -a "auto\t'Streamable HTTP first, then the legacy HTTP+SSE transport if the server rejects it'
streamable-http\t'Streamable HTTP only (MCP 2025-03-26 and later)'
sse\t'The legacy HTTP+SSE transport only (MCP 2024-11-05)'"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l protocol -d 'Which MCP protocol era the server speaks. `auto` asks the server once (`server/discover`) and remembers the answer per server; a host that speaks the 2025 era then works with a 2026-07-28 server too. Example: --protocol legacy' -r -f -a "auto\t'Find out once per server (a `server/discover` on the first start), remember it'
legacy\t'The 2025 era: `initialize`, sessions (2025-11-25 and earlier)'
modern\t'MCP 2026-07-28: no handshake, no sessions; the bridge translates for the host'"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l timeout -d 'Seconds to wait for a connection, for response headers and for a JSON body. Long-lived event streams are not cut by it. Example: --timeout 30' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l ca-cert -d 'Also trust the CA certificates in this PEM file (repeatable), on top of the system\'s trust store: for TLS-inspecting corporate proxies and private CAs. Example: --ca-cert /etc/ssl/corp-root.pem `SSL_CERT_FILE` is honoured the same way' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l connect-timeout -d 'Seconds to wait for a TCP (and TLS) connection, when it should differ from --timeout. Example: --connect-timeout 5' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l ignore-tool -d 'Hide tools whose name matches this pattern from the host (repeatable; `*` matches any run of characters). Example: --ignore-tool \'delete_*\'' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l static-oauth-client-info -d 'mcp-remote: `{"client_id": …, "client_secret": …}` as JSON or @file; the same as --client-id / --client-secret' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l static-oauth-client-metadata -d 'mcp-remote: client metadata as JSON or @file. `scope` maps to --scope; the rest is ignored (mcp-tether registers its own metadata)' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l host -d 'mcp-remote: the callback host name, the same as --callback-host' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l headers-timeout -d 'mcp-remote: seconds to wait for response headers, the same as --timeout' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l body-timeout -d 'mcp-remote: the longest gap between chunks of a body. mcp-tether never cuts an event stream for being idle and bounds JSON bodies by --timeout, so this is accepted and has no effect' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l scope -d 'Scopes to request, space-separated; overrides what the server asks for. Example: --scope \'openid offline_access api://mcp/.default\'' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l client-id -d 'A pre-registered OAuth client id, for providers without dynamic registration (Entra ID, Cognito, Auth0 by default, GitHub). Example: --client-id 1a2b3c' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l client-secret -d 'The client secret of a confidential pre-registered client. Prefer --client-secret-env, which keeps it out of process listings' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l client-secret-env -d 'Read the client secret from this environment variable. Example: --client-secret-env MCP_SECRET' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l client-metadata-url -d 'A Client ID Metadata Document URL to use as the client id, where the authorization server supports it. Example: --client-metadata-url https://example.com/client.json' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l registration-token -d 'An initial access token for registration endpoints that require one (Okta style). Example: --registration-token "$OKTA_IAT"' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l resource-metadata -d 'Where the server\'s protected resource metadata is, when it isn\'t at the well-known path. Example: --resource-metadata https://mcp.example.com/custom/prm.json' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l auth-server -d 'The authorization server\'s issuer, when the server doesn\'t say. Example: --auth-server https://login.example.com/tenant1' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l auth-success-url -d 'After a sign-in that worked, send the browser to this page instead of mcp-tether\'s own (https, or http on loopback; no query or fragment). Example: --auth-success-url https://intranet.example.com/mcp-connected' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l token-endpoint -d 'The token endpoint, for --flow client-credentials against an authorization server that publishes no metadata: discovery is skipped. Example: --token-endpoint https://auth.internal/oauth/token' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l auth-server-metadata -d 'The authorization server\'s metadata URL, for metadata on another host or path. Example: --auth-server-metadata https://idp.example.com/oauth/meta.json' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l resource -d 'The RFC 8707 resource to request tokens for (default: the server\'s own). Example: --resource https://mcp.example.com' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l auth-param -d 'An extra authorization request parameter (repeatable), such as Auth0\'s audience. Example: --auth-param audience=https://api.example.com' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l callback-port -d 'Listen for the sign-in callback on this port, for providers that only accept the exact redirect URI registered. Example: --callback-port 33418' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l callback-host -d 'Host name in the redirect URI: 127.0.0.1 (default) or localhost. The listener is on loopback either way. Example: --callback-host localhost' -r -f -a "127.0.0.1\t''
localhost\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l callback-path -d 'Path in the redirect URI. An app registered for mcp-remote needs no change at the provider with: --callback-host localhost --callback-port 3334 --callback-path /oauth/callback' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l token-store -d 'Where tokens are kept: the OS keyring (macOS Keychain, Windows Credential Manager, Secret Service), a private file, or auto (the keyring when one answers, else the file). Example: --token-store file' -r -f -a "auto\t''
keyring\t''
file\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l auth-timeout -d 'Seconds to wait for the sign-in to complete. Example: --auth-timeout 600' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l flow -d 'How to get a token: `auto` picks the device flow when no browser can be opened here (SSH, no display) and the server offers it, else the browser. Never picked by `auto`, for agents with no person signing in: `client-credentials`; `jwt-bearer`, a workload\'s own JWT (RFC 7523, with --assertion-file or --assertion-env); `enterprise`, an ID-JAG from the enterprise IdP for your ID token (SEP-990, with the --idp-* flags). Example: --flow device' -r -f -a "auto\t''
browser\t''
device\t''
client-credentials\t''
jwt-bearer\t''
enterprise\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l client-assertion-key -d 'Private key (PEM file) for private_key_jwt client authentication with --flow client-credentials. Example: --client-assertion-key agent.pem' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l client-assertion-alg -d 'Signing algorithm for --client-assertion-key. Example: --client-assertion-alg ES256' -r -f -a "RS256\t''
ES256\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l assertion-file -d '--flow jwt-bearer: the file holding the workload\'s JWT, read again at each token request (it rotates). Example: --assertion-file /var/run/secrets/tokens/mcp-token' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l assertion-env -d '--flow jwt-bearer: the environment variable holding the workload\'s JWT. Example: --assertion-env CI_JOB_JWT' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l idp-issuer -d '--flow enterprise: the enterprise IdP\'s issuer; its endpoints are discovered, and mcp-tether signs you in there unless --id-token-file or --id-token-env gives the ID token. Example: --idp-issuer https://acme.okta.com' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l idp-token-endpoint -d '--flow enterprise: the enterprise IdP\'s token endpoint (no discovery; needs --id-token-file or --id-token-env). Example: --idp-token-endpoint https://acme.okta.com/oauth2/v1/token' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l idp-client-id -d '--flow enterprise: this app\'s client id at the enterprise IdP. Example: --idp-client-id 0oa1b2c3' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l idp-client-secret -d '--flow enterprise: the IdP client\'s secret. Prefer --idp-client-secret-env' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l idp-client-secret-env -d '--flow enterprise: read the IdP client\'s secret from this environment variable. Example: --idp-client-secret-env IDP_SECRET' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l id-token-file -d '--flow enterprise: the file holding your ID token from the IdP, read again at each sign-in, instead of signing in to the IdP. Example: --id-token-file ~/.config/okta/id_token' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l id-token-env -d '--flow enterprise: the environment variable holding your ID token. Example: --id-token-env OKTA_ID_TOKEN' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l log-level -d 'How much to log: error, warn, info, debug or trace. Example: --log-level debug' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l log-file -d 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l paste -d 'For SSH sessions without a device flow: print the sign-in URL, open it on any machine, and paste back the address the browser ends on (or just the code)'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l keep-alive -d 'Ping the server when the connection is otherwise idle, so load balancers and proxies don\'t drop it (every 30 s; see --ping-interval). Example: --keep-alive'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l allow-http -d 'Allow plain http:// to a host that is not loopback. Tokens and headers then travel unencrypted: use it only on a network you trust. Example: mcp-tether --allow-http http://mcp.internal:8080/mcp'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l insecure -d 'Accept any TLS certificate, even an invalid or self-signed one. For lab use only: anyone on the path can then read your tokens. mcp-tether warns on every start while it is set. Prefer --ca-cert'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l ipv4 -d 'Connect over IPv4 only, for hosts whose IPv6 addresses resolve but silently drop traffic. Example: --ipv4'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l device-code -d 'mcp-remote: the same as --flow device'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l client-credentials -d 'mcp-remote: the same as --flow client-credentials'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l enable-proxy -d 'mcp-remote: use HTTP(S)_PROXY / NO_PROXY. mcp-tether always does, so this is accepted and has no effect'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l disable-cookies -d 'Don\'t keep the cookies the server sets. By default cookies the MCP server sets (load-balancer stickiness) are sent back to it, in memory only, for the life of the process. Example: --disable-cookies'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l use-id-token -d 'Send the OpenID Connect ID token instead of the access token, for servers that check who the caller is rather than what it may do (Cognito in front of Bedrock AgentCore). Adds `openid` to the scope. Example: --use-id-token'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l dpop -d 'Bind tokens to a key this bridge holds (DPoP, RFC 9449) even though the MCP server doesn\'t ask for it. Without this flag, tokens are bound when the server asks (its resource metadata or a `DPoP` challenge) and the authorization server supports ES256. Example: --dpop'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l no-dpop -d 'Never bind tokens with DPoP, even when the server asks; for a server that advertises DPoP but takes only Bearer tokens. Example: --no-dpop'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l no-resource -d 'Leave the RFC 8707 `resource` parameter out of every authorization, token, refresh and device request, for providers that reject it (Entra ID v2: AADSTS9010010). The scope then has to name the API, e.g. --scope \'api://<app-id>/.default\'. Example: --no-resource'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l assume-pkce -d 'Use PKCE S256 even though the authorization server doesn\'t advertise it (Entra ID supports it without saying so). Example: --assume-pkce'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l no-browser -d 'Don\'t open a browser; only print the sign-in URL on stderr. Example: --no-browser'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l debug -d 'mcp-remote\'s --debug: the same as --log-level debug'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -l silent -d 'mcp-remote\'s --silent: the same as --log-level error (unless --debug)'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand logout" -l ca-cert -d 'Also trust the CA certificates in this PEM file (repeatable), on top of the system\'s trust store: for TLS-inspecting corporate proxies and private CAs. Example: --ca-cert /etc/ssl/corp-root.pem `SSL_CERT_FILE` is honoured the same way' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand logout" -l connect-timeout -d 'Seconds to wait for a TCP (and TLS) connection, when it should differ from --timeout. Example: --connect-timeout 5' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand logout" -l log-level -d 'How much to log: error, warn, info, debug or trace. Example: --log-level debug' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand logout" -l log-file -d 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand logout" -l all -d 'Forget every server'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand logout" -l insecure -d 'Accept any TLS certificate, even an invalid or self-signed one. For lab use only: anyone on the path can then read your tokens. mcp-tether warns on every start while it is set. Prefer --ca-cert'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand logout" -l ipv4 -d 'Connect over IPv4 only, for hosts whose IPv6 addresses resolve but silently drop traffic. Example: --ipv4'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand logout" -l debug -d 'mcp-remote\'s --debug: the same as --log-level debug'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand logout" -l silent -d 'mcp-remote\'s --silent: the same as --log-level error (unless --debug)'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand logout" -s h -l help -d 'Print help'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand status" -l log-level -d 'How much to log: error, warn, info, debug or trace. Example: --log-level debug' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand status" -l log-file -d 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand status" -l json -d 'Machine-readable output'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand status" -l debug -d 'mcp-remote\'s --debug: the same as --log-level debug'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand status" -l silent -d 'mcp-remote\'s --silent: the same as --log-level error (unless --debug)'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand status" -s h -l help -d 'Print help'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -s H -l header -d 'Extra HTTP header sent with every request, as \'Name: value\' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header \'Authorization: Bearer ${API_TOKEN}\'' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l header-file -d 'Read more headers from a file: one \'Name: value\' per line, `#` starts a comment, ${VAR} is expanded. Keeps credentials out of the process list and the host\'s config. Example: --header-file ~/.config/mcp/github.headers' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l ping-interval -d 'Seconds between keep-alive pings (implies --keep-alive). Example: --ping-interval 15' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l transport -d 'Which transport to speak. `auto` tries Streamable HTTP and falls back to the 2024-11-05 HTTP+SSE transport when the server rejects the first POST. Example: --transport sse' -r -f -a "auto\t'Streamable HTTP first, then the legacy HTTP+SSE transport if the server rejects it'
streamable-http\t'Streamable HTTP only (MCP 2025-03-26 and later)'
sse\t'The legacy HTTP+SSE transport only (MCP 2024-11-05)'"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l protocol -d 'Which MCP protocol era the server speaks. `auto` asks the server once (`server/discover`) and remembers the answer per server; a host that speaks the 2025 era then works with a 2026-07-28 server too. Example: --protocol legacy' -r -f -a "auto\t'Find out once per server (a `server/discover` on the first start), remember it'
legacy\t'The 2025 era: `initialize`, sessions (2025-11-25 and earlier)'
modern\t'MCP 2026-07-28: no handshake, no sessions; the bridge translates for the host'"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l timeout -d 'Seconds to wait for a connection, for response headers and for a JSON body. Long-lived event streams are not cut by it. Example: --timeout 30' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l ca-cert -d 'Also trust the CA certificates in this PEM file (repeatable), on top of the system\'s trust store: for TLS-inspecting corporate proxies and private CAs. Example: --ca-cert /etc/ssl/corp-root.pem `SSL_CERT_FILE` is honoured the same way' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l connect-timeout -d 'Seconds to wait for a TCP (and TLS) connection, when it should differ from --timeout. Example: --connect-timeout 5' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l ignore-tool -d 'Hide tools whose name matches this pattern from the host (repeatable; `*` matches any run of characters). Example: --ignore-tool \'delete_*\'' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l static-oauth-client-info -d 'mcp-remote: `{"client_id": …, "client_secret": …}` as JSON or @file; the same as --client-id / --client-secret' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l static-oauth-client-metadata -d 'mcp-remote: client metadata as JSON or @file. `scope` maps to --scope; the rest is ignored (mcp-tether registers its own metadata)' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l host -d 'mcp-remote: the callback host name, the same as --callback-host' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l headers-timeout -d 'mcp-remote: seconds to wait for response headers, the same as --timeout' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l body-timeout -d 'mcp-remote: the longest gap between chunks of a body. mcp-tether never cuts an event stream for being idle and bounds JSON bodies by --timeout, so this is accepted and has no effect' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l scope -d 'Scopes to request, space-separated; overrides what the server asks for. Example: --scope \'openid offline_access api://mcp/.default\'' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l client-id -d 'A pre-registered OAuth client id, for providers without dynamic registration (Entra ID, Cognito, Auth0 by default, GitHub). Example: --client-id 1a2b3c' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l client-secret -d 'The client secret of a confidential pre-registered client. Prefer --client-secret-env, which keeps it out of process listings' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l client-secret-env -d 'Read the client secret from this environment variable. Example: --client-secret-env MCP_SECRET' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l client-metadata-url -d 'A Client ID Metadata Document URL to use as the client id, where the authorization server supports it. Example: --client-metadata-url https://example.com/client.json' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l registration-token -d 'An initial access token for registration endpoints that require one (Okta style). Example: --registration-token "$OKTA_IAT"' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l resource-metadata -d 'Where the server\'s protected resource metadata is, when it isn\'t at the well-known path. Example: --resource-metadata https://mcp.example.com/custom/prm.json' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l auth-server -d 'The authorization server\'s issuer, when the server doesn\'t say. Example: --auth-server https://login.example.com/tenant1' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l auth-success-url -d 'After a sign-in that worked, send the browser to this page instead of mcp-tether\'s own (https, or http on loopback; no query or fragment). Example: --auth-success-url https://intranet.example.com/mcp-connected' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l token-endpoint -d 'The token endpoint, for --flow client-credentials against an authorization server that publishes no metadata: discovery is skipped. Example: --token-endpoint https://auth.internal/oauth/token' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l auth-server-metadata -d 'The authorization server\'s metadata URL, for metadata on another host or path. Example: --auth-server-metadata https://idp.example.com/oauth/meta.json' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l resource -d 'The RFC 8707 resource to request tokens for (default: the server\'s own). Example: --resource https://mcp.example.com' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l auth-param -d 'An extra authorization request parameter (repeatable), such as Auth0\'s audience. Example: --auth-param audience=https://api.example.com' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l callback-port -d 'Listen for the sign-in callback on this port, for providers that only accept the exact redirect URI registered. Example: --callback-port 33418' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l callback-host -d 'Host name in the redirect URI: 127.0.0.1 (default) or localhost. The listener is on loopback either way. Example: --callback-host localhost' -r -f -a "127.0.0.1\t''
localhost\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l callback-path -d 'Path in the redirect URI. An app registered for mcp-remote needs no change at the provider with: --callback-host localhost --callback-port 3334 --callback-path /oauth/callback' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l token-store -d 'Where tokens are kept: the OS keyring (macOS Keychain, Windows Credential Manager, Secret Service), a private file, or auto (the keyring when one answers, else the file). Example: --token-store file' -r -f -a "auto\t''
keyring\t''
file\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l auth-timeout -d 'Seconds to wait for the sign-in to complete. Example: --auth-timeout 600' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l flow -d 'How to get a token: `auto` picks the device flow when no browser can be opened here (SSH, no display) and the server offers it, else the browser. Never picked by `auto`, for agents with no person signing in: `client-credentials`; `jwt-bearer`, a workload\'s own JWT (RFC 7523, with --assertion-file or --assertion-env); `enterprise`, an ID-JAG from the enterprise IdP for your ID token (SEP-990, with the --idp-* flags). Example: --flow device' -r -f -a "auto\t''
browser\t''
device\t''
client-credentials\t''
jwt-bearer\t''
enterprise\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l client-assertion-key -d 'Private key (PEM file) for private_key_jwt client authentication with --flow client-credentials. Example: --client-assertion-key agent.pem' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l client-assertion-alg -d 'Signing algorithm for --client-assertion-key. Example: --client-assertion-alg ES256' -r -f -a "RS256\t''
ES256\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l assertion-file -d '--flow jwt-bearer: the file holding the workload\'s JWT, read again at each token request (it rotates). Example: --assertion-file /var/run/secrets/tokens/mcp-token' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l assertion-env -d '--flow jwt-bearer: the environment variable holding the workload\'s JWT. Example: --assertion-env CI_JOB_JWT' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l idp-issuer -d '--flow enterprise: the enterprise IdP\'s issuer; its endpoints are discovered, and mcp-tether signs you in there unless --id-token-file or --id-token-env gives the ID token. Example: --idp-issuer https://acme.okta.com' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l idp-token-endpoint -d '--flow enterprise: the enterprise IdP\'s token endpoint (no discovery; needs --id-token-file or --id-token-env). Example: --idp-token-endpoint https://acme.okta.com/oauth2/v1/token' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l idp-client-id -d '--flow enterprise: this app\'s client id at the enterprise IdP. Example: --idp-client-id 0oa1b2c3' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l idp-client-secret -d '--flow enterprise: the IdP client\'s secret. Prefer --idp-client-secret-env' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l idp-client-secret-env -d '--flow enterprise: read the IdP client\'s secret from this environment variable. Example: --idp-client-secret-env IDP_SECRET' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l id-token-file -d '--flow enterprise: the file holding your ID token from the IdP, read again at each sign-in, instead of signing in to the IdP. Example: --id-token-file ~/.config/okta/id_token' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l id-token-env -d '--flow enterprise: the environment variable holding your ID token. Example: --id-token-env OKTA_ID_TOKEN' -r
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l log-level -d 'How much to log: error, warn, info, debug or trace. Example: --log-level debug' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l log-file -d 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l json -d 'Machine-readable output (a versioned schema, see docs/doctor.md)'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l keep-alive -d 'Ping the server when the connection is otherwise idle, so load balancers and proxies don\'t drop it (every 30 s; see --ping-interval). Example: --keep-alive'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l allow-http -d 'Allow plain http:// to a host that is not loopback. Tokens and headers then travel unencrypted: use it only on a network you trust. Example: mcp-tether --allow-http http://mcp.internal:8080/mcp'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l insecure -d 'Accept any TLS certificate, even an invalid or self-signed one. For lab use only: anyone on the path can then read your tokens. mcp-tether warns on every start while it is set. Prefer --ca-cert'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l ipv4 -d 'Connect over IPv4 only, for hosts whose IPv6 addresses resolve but silently drop traffic. Example: --ipv4'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l device-code -d 'mcp-remote: the same as --flow device'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l client-credentials -d 'mcp-remote: the same as --flow client-credentials'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l enable-proxy -d 'mcp-remote: use HTTP(S)_PROXY / NO_PROXY. mcp-tether always does, so this is accepted and has no effect'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l disable-cookies -d 'Don\'t keep the cookies the server sets. By default cookies the MCP server sets (load-balancer stickiness) are sent back to it, in memory only, for the life of the process. Example: --disable-cookies'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l use-id-token -d 'Send the OpenID Connect ID token instead of the access token, for servers that check who the caller is rather than what it may do (Cognito in front of Bedrock AgentCore). Adds `openid` to the scope. Example: --use-id-token'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l dpop -d 'Bind tokens to a key this bridge holds (DPoP, RFC 9449) even though the MCP server doesn\'t ask for it. Without this flag, tokens are bound when the server asks (its resource metadata or a `DPoP` challenge) and the authorization server supports ES256. Example: --dpop'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l no-dpop -d 'Never bind tokens with DPoP, even when the server asks; for a server that advertises DPoP but takes only Bearer tokens. Example: --no-dpop'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l no-resource -d 'Leave the RFC 8707 `resource` parameter out of every authorization, token, refresh and device request, for providers that reject it (Entra ID v2: AADSTS9010010). The scope then has to name the API, e.g. --scope \'api://<app-id>/.default\'. Example: --no-resource'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l assume-pkce -d 'Use PKCE S256 even though the authorization server doesn\'t advertise it (Entra ID supports it without saying so). Example: --assume-pkce'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l no-browser -d 'Don\'t open a browser; only print the sign-in URL on stderr. Example: --no-browser'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l debug -d 'mcp-remote\'s --debug: the same as --log-level debug'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -l silent -d 'mcp-remote\'s --silent: the same as --log-level error (unless --debug)'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand add" -l host -d 'The host whose user config to edit' -r -f -a "claude-desktop\t''
cursor\t''
vscode\t''
windsurf\t''
zed\t''
claude-code\t''
gemini-cli\t''
codex\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand add" -l config -d 'Edit this file instead of the host\'s user config (same format). Example: --config .vscode/mcp.json' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand add" -l via -d 'How the entry starts mcp-tether' -r -f -a "binary\t'This binary, by its absolute path (desktop launchers don\'t see ~/.cargo/bin)'
npx\t'`npx -y mcp-tether …` (through `cmd /c` on Windows)'
uvx\t'`uvx mcp-tether …`'"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand add" -l log-level -d 'How much to log: error, warn, info, debug or trace. Example: --log-level debug' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand add" -l log-file -d 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand add" -l dry-run -d 'Print the change instead of writing it'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand add" -l force -d 'Write the entry even though doctor found a problem, or over an entry of that name that doesn\'t run mcp-tether'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand add" -l debug -d 'mcp-remote\'s --debug: the same as --log-level debug'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand add" -l silent -d 'mcp-remote\'s --silent: the same as --log-level error (unless --debug)'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand remove" -l host -d 'The host whose user config to edit' -r -f -a "claude-desktop\t''
cursor\t''
vscode\t''
windsurf\t''
zed\t''
claude-code\t''
gemini-cli\t''
codex\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand remove" -l config -d 'Edit this file instead of the host\'s user config (same format). Example: --config .vscode/mcp.json' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand remove" -l log-level -d 'How much to log: error, warn, info, debug or trace. Example: --log-level debug' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand remove" -l log-file -d 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand remove" -l dry-run -d 'Print the change instead of writing it'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand remove" -l force -d 'Remove the entry even though it doesn\'t run mcp-tether'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand remove" -l debug -d 'mcp-remote\'s --debug: the same as --log-level debug'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand remove" -l silent -d 'mcp-remote\'s --silent: the same as --log-level error (unless --debug)'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand remove" -s h -l help -d 'Print help'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand list" -l host -d 'The host whose user config to edit' -r -f -a "claude-desktop\t''
cursor\t''
vscode\t''
windsurf\t''
zed\t''
claude-code\t''
gemini-cli\t''
codex\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand list" -l config -d 'Edit this file instead of the host\'s user config (same format). Example: --config .vscode/mcp.json' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand list" -l log-level -d 'How much to log: error, warn, info, debug or trace. Example: --log-level debug' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand list" -l log-file -d 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand list" -l json -d 'Machine-readable output'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand list" -l debug -d 'mcp-remote\'s --debug: the same as --log-level debug'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand list" -l silent -d 'mcp-remote\'s --silent: the same as --log-level error (unless --debug)'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand list" -s h -l help -d 'Print help'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand completions" -l log-level -d 'How much to log: error, warn, info, debug or trace. Example: --log-level debug' -r -f -a "error\t''
warn\t''
info\t''
debug\t''
trace\t''"
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand completions" -l log-file -d 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log' -r -F
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand completions" -l debug -d 'mcp-remote\'s --debug: the same as --log-level debug'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand completions" -l silent -d 'mcp-remote\'s --silent: the same as --log-level error (unless --debug)'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand completions" -s h -l help -d 'Print help'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand help; and not __fish_seen_subcommand_from login logout status doctor add remove list completions help" -f -a "login" -d 'Sign in to a server in this terminal and store the token, so the bridge your host starts later just works. Example: mcp-tether login https://mcp.example.com/mcp'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand help; and not __fish_seen_subcommand_from login logout status doctor add remove list completions help" -f -a "logout" -d 'Remove stored tokens and client registrations (revoking them first where the server allows). Example: mcp-tether logout https://mcp.example.com/mcp'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand help; and not __fish_seen_subcommand_from login logout status doctor add remove list completions help" -f -a "status" -d 'List what is stored: server, issuer, client, scopes, expiry. Never the secrets'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand help; and not __fish_seen_subcommand_from login logout status doctor add remove list completions help" -f -a "doctor" -d 'Check a server\'s authorization setup without relaying anything: what the bridge would discover, which client, scopes and flow it would use, and what to change when something would fail. Example: mcp-tether doctor https://mcp.example.com/mcp'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand help; and not __fish_seen_subcommand_from login logout status doctor add remove list completions help" -f -a "add" -d 'Add a server to a host\'s config (after running doctor on it): the entry runs this binary by its full path, or npx/uvx with --via. Example: mcp-tether add example https://mcp.example.com/mcp --host claude-desktop'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand help; and not __fish_seen_subcommand_from login logout status doctor add remove list completions help" -f -a "remove" -d 'Remove a server entry that `add` wrote from a host\'s config. Example: mcp-tether remove example --host claude-desktop'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand help; and not __fish_seen_subcommand_from login logout status doctor add remove list completions help" -f -a "list" -d 'List the servers in a host\'s config that run through mcp-tether. Example: mcp-tether list --host cursor'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand help; and not __fish_seen_subcommand_from login logout status doctor add remove list completions help" -f -a "completions" -d 'Print a shell completion script. Example: mcp-tether completions zsh > ~/.zfunc/_mcp-tether'
complete -c mcp-tether -n "__fish_mcp_tether_using_subcommand help; and not __fish_seen_subcommand_from login logout status doctor add remove list completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
