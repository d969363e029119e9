
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mcp-tether' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mcp-tether'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mcp-tether' {
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}''')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}''')
            [CompletionResult]::new('--header-file', '--header-file', [CompletionResultType]::ParameterName, 'Read more headers from a file: one ''Name: value'' per line, `#` starts a comment, ${VAR} is expanded. Keeps credentials out of the process list and the host''s config. Example: --header-file ~/.config/mcp/github.headers')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Seconds between keep-alive pings (implies --keep-alive). Example: --ping-interval 15')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'Which transport to speak. `auto` tries Streamable HTTP and falls back to the 2024-11-05 HTTP+SSE transport when the server rejects the first POST. Example: --transport sse')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Which MCP protocol era the server speaks. `auto` asks the server once (`server/discover`) and remembers the answer per server; a host that speaks the 2025 era then works with a 2026-07-28 server too. Example: --protocol legacy')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection, for response headers and for a JSON body. Long-lived event streams are not cut by it. Example: --timeout 30')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file (repeatable), on top of the system''s trust store: for TLS-inspecting corporate proxies and private CAs. Example: --ca-cert /etc/ssl/corp-root.pem `SSL_CERT_FILE` is honoured the same way')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a TCP (and TLS) connection, when it should differ from --timeout. Example: --connect-timeout 5')
            [CompletionResult]::new('--ignore-tool', '--ignore-tool', [CompletionResultType]::ParameterName, 'Hide tools whose name matches this pattern from the host (repeatable; `*` matches any run of characters). Example: --ignore-tool ''delete_*''')
            [CompletionResult]::new('--static-oauth-client-info', '--static-oauth-client-info', [CompletionResultType]::ParameterName, 'mcp-remote: `{"client_id": …, "client_secret": …}` as JSON or @file; the same as --client-id / --client-secret')
            [CompletionResult]::new('--static-oauth-client-metadata', '--static-oauth-client-metadata', [CompletionResultType]::ParameterName, 'mcp-remote: client metadata as JSON or @file. `scope` maps to --scope; the rest is ignored (mcp-tether registers its own metadata)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'mcp-remote: the callback host name, the same as --callback-host')
            [CompletionResult]::new('--headers-timeout', '--headers-timeout', [CompletionResultType]::ParameterName, 'mcp-remote: seconds to wait for response headers, the same as --timeout')
            [CompletionResult]::new('--body-timeout', '--body-timeout', [CompletionResultType]::ParameterName, 'mcp-remote: the longest gap between chunks of a body. mcp-tether never cuts an event stream for being idle and bounds JSON bodies by --timeout, so this is accepted and has no effect')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to request, space-separated; overrides what the server asks for. Example: --scope ''openid offline_access api://mcp/.default''')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'A pre-registered OAuth client id, for providers without dynamic registration (Entra ID, Cognito, Auth0 by default, GitHub). Example: --client-id 1a2b3c')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The client secret of a confidential pre-registered client. Prefer --client-secret-env, which keeps it out of process listings')
            [CompletionResult]::new('--client-secret-env', '--client-secret-env', [CompletionResultType]::ParameterName, 'Read the client secret from this environment variable. Example: --client-secret-env MCP_SECRET')
            [CompletionResult]::new('--client-metadata-url', '--client-metadata-url', [CompletionResultType]::ParameterName, 'A Client ID Metadata Document URL to use as the client id, where the authorization server supports it. Example: --client-metadata-url https://example.com/client.json')
            [CompletionResult]::new('--registration-token', '--registration-token', [CompletionResultType]::ParameterName, 'An initial access token for registration endpoints that require one (Okta style). Example: --registration-token "$OKTA_IAT"')
            [CompletionResult]::new('--resource-metadata', '--resource-metadata', [CompletionResultType]::ParameterName, 'Where the server''s protected resource metadata is, when it isn''t at the well-known path. Example: --resource-metadata https://mcp.example.com/custom/prm.json')
            [CompletionResult]::new('--auth-server', '--auth-server', [CompletionResultType]::ParameterName, 'The authorization server''s issuer, when the server doesn''t say. Example: --auth-server https://login.example.com/tenant1')
            [CompletionResult]::new('--auth-success-url', '--auth-success-url', [CompletionResultType]::ParameterName, 'After a sign-in that worked, send the browser to this page instead of mcp-tether''s own (https, or http on loopback; no query or fragment). Example: --auth-success-url https://intranet.example.com/mcp-connected')
            [CompletionResult]::new('--token-endpoint', '--token-endpoint', [CompletionResultType]::ParameterName, 'The token endpoint, for --flow client-credentials against an authorization server that publishes no metadata: discovery is skipped. Example: --token-endpoint https://auth.internal/oauth/token')
            [CompletionResult]::new('--auth-server-metadata', '--auth-server-metadata', [CompletionResultType]::ParameterName, 'The authorization server''s metadata URL, for metadata on another host or path. Example: --auth-server-metadata https://idp.example.com/oauth/meta.json')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'The RFC 8707 resource to request tokens for (default: the server''s own). Example: --resource https://mcp.example.com')
            [CompletionResult]::new('--auth-param', '--auth-param', [CompletionResultType]::ParameterName, 'An extra authorization request parameter (repeatable), such as Auth0''s audience. Example: --auth-param audience=https://api.example.com')
            [CompletionResult]::new('--callback-port', '--callback-port', [CompletionResultType]::ParameterName, 'Listen for the sign-in callback on this port, for providers that only accept the exact redirect URI registered. Example: --callback-port 33418')
            [CompletionResult]::new('--callback-host', '--callback-host', [CompletionResultType]::ParameterName, 'Host name in the redirect URI: 127.0.0.1 (default) or localhost. The listener is on loopback either way. Example: --callback-host localhost')
            [CompletionResult]::new('--callback-path', '--callback-path', [CompletionResultType]::ParameterName, 'Path in the redirect URI. An app registered for mcp-remote needs no change at the provider with: --callback-host localhost --callback-port 3334 --callback-path /oauth/callback')
            [CompletionResult]::new('--token-store', '--token-store', [CompletionResultType]::ParameterName, 'Where tokens are kept: the OS keyring (macOS Keychain, Windows Credential Manager, Secret Service), a private file, or auto (the keyring when one answers, else the file). Example: --token-store file')
            [CompletionResult]::new('--auth-timeout', '--auth-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the sign-in to complete. Example: --auth-timeout 600')
            [CompletionResult]::new('--flow', '--flow', [CompletionResultType]::ParameterName, 'How to get a token: `auto` picks the device flow when no browser can be opened here (SSH, no display) and the server offers it, else the browser. Never picked by `auto`, for agents with no person signing in: `client-credentials`; `jwt-bearer`, a workload''s own JWT (RFC 7523, with --assertion-file or --assertion-env); `enterprise`, an ID-JAG from the enterprise IdP for your ID token (SEP-990, with the --idp-* flags). Example: --flow device')
            [CompletionResult]::new('--client-assertion-key', '--client-assertion-key', [CompletionResultType]::ParameterName, 'Private key (PEM file) for private_key_jwt client authentication with --flow client-credentials. Example: --client-assertion-key agent.pem')
            [CompletionResult]::new('--client-assertion-alg', '--client-assertion-alg', [CompletionResultType]::ParameterName, 'Signing algorithm for --client-assertion-key. Example: --client-assertion-alg ES256')
            [CompletionResult]::new('--assertion-file', '--assertion-file', [CompletionResultType]::ParameterName, '--flow jwt-bearer: the file holding the workload''s JWT, read again at each token request (it rotates). Example: --assertion-file /var/run/secrets/tokens/mcp-token')
            [CompletionResult]::new('--assertion-env', '--assertion-env', [CompletionResultType]::ParameterName, '--flow jwt-bearer: the environment variable holding the workload''s JWT. Example: --assertion-env CI_JOB_JWT')
            [CompletionResult]::new('--idp-issuer', '--idp-issuer', [CompletionResultType]::ParameterName, '--flow enterprise: the enterprise IdP''s issuer; its endpoints are discovered, and mcp-tether signs you in there unless --id-token-file or --id-token-env gives the ID token. Example: --idp-issuer https://acme.okta.com')
            [CompletionResult]::new('--idp-token-endpoint', '--idp-token-endpoint', [CompletionResultType]::ParameterName, '--flow enterprise: the enterprise IdP''s token endpoint (no discovery; needs --id-token-file or --id-token-env). Example: --idp-token-endpoint https://acme.okta.com/oauth2/v1/token')
            [CompletionResult]::new('--idp-client-id', '--idp-client-id', [CompletionResultType]::ParameterName, '--flow enterprise: this app''s client id at the enterprise IdP. Example: --idp-client-id 0oa1b2c3')
            [CompletionResult]::new('--idp-client-secret', '--idp-client-secret', [CompletionResultType]::ParameterName, '--flow enterprise: the IdP client''s secret. Prefer --idp-client-secret-env')
            [CompletionResult]::new('--idp-client-secret-env', '--idp-client-secret-env', [CompletionResultType]::ParameterName, '--flow enterprise: read the IdP client''s secret from this environment variable. Example: --idp-client-secret-env IDP_SECRET')
            [CompletionResult]::new('--id-token-file', '--id-token-file', [CompletionResultType]::ParameterName, '--flow enterprise: the file holding your ID token from the IdP, read again at each sign-in, instead of signing in to the IdP. Example: --id-token-file ~/.config/okta/id_token')
            [CompletionResult]::new('--id-token-env', '--id-token-env', [CompletionResultType]::ParameterName, '--flow enterprise: the environment variable holding your ID token. Example: --id-token-env OKTA_ID_TOKEN')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log: error, warn, info, debug or trace. Example: --log-level debug')
            [CompletionResult]::new('--log-file', '--log-file', [CompletionResultType]::ParameterName, 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log')
            [CompletionResult]::new('--keep-alive', '--keep-alive', [CompletionResultType]::ParameterName, 'Ping the server when the connection is otherwise idle, so load balancers and proxies don''t drop it (every 30 s; see --ping-interval). Example: --keep-alive')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Allow plain http:// to a host that is not loopback. Tokens and headers then travel unencrypted: use it only on a network you trust. Example: mcp-tether --allow-http http://mcp.internal:8080/mcp')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any TLS certificate, even an invalid or self-signed one. For lab use only: anyone on the path can then read your tokens. mcp-tether warns on every start while it is set. Prefer --ca-cert')
            [CompletionResult]::new('--ipv4', '--ipv4', [CompletionResultType]::ParameterName, 'Connect over IPv4 only, for hosts whose IPv6 addresses resolve but silently drop traffic. Example: --ipv4')
            [CompletionResult]::new('--device-code', '--device-code', [CompletionResultType]::ParameterName, 'mcp-remote: the same as --flow device')
            [CompletionResult]::new('--client-credentials', '--client-credentials', [CompletionResultType]::ParameterName, 'mcp-remote: the same as --flow client-credentials')
            [CompletionResult]::new('--enable-proxy', '--enable-proxy', [CompletionResultType]::ParameterName, 'mcp-remote: use HTTP(S)_PROXY / NO_PROXY. mcp-tether always does, so this is accepted and has no effect')
            [CompletionResult]::new('--disable-cookies', '--disable-cookies', [CompletionResultType]::ParameterName, 'Don''t keep the cookies the server sets. By default cookies the MCP server sets (load-balancer stickiness) are sent back to it, in memory only, for the life of the process. Example: --disable-cookies')
            [CompletionResult]::new('--use-id-token', '--use-id-token', [CompletionResultType]::ParameterName, 'Send the OpenID Connect ID token instead of the access token, for servers that check who the caller is rather than what it may do (Cognito in front of Bedrock AgentCore). Adds `openid` to the scope. Example: --use-id-token')
            [CompletionResult]::new('--dpop', '--dpop', [CompletionResultType]::ParameterName, 'Bind tokens to a key this bridge holds (DPoP, RFC 9449) even though the MCP server doesn''t ask for it. Without this flag, tokens are bound when the server asks (its resource metadata or a `DPoP` challenge) and the authorization server supports ES256. Example: --dpop')
            [CompletionResult]::new('--no-dpop', '--no-dpop', [CompletionResultType]::ParameterName, 'Never bind tokens with DPoP, even when the server asks; for a server that advertises DPoP but takes only Bearer tokens. Example: --no-dpop')
            [CompletionResult]::new('--no-resource', '--no-resource', [CompletionResultType]::ParameterName, 'Leave the RFC 8707 `resource` parameter out of every authorization, token, refresh and device request, for providers that reject it (Entra ID v2: AADSTS9010010). The scope then has to name the API, e.g. --scope ''api://<app-id>/.default''. Example: --no-resource')
            [CompletionResult]::new('--assume-pkce', '--assume-pkce', [CompletionResultType]::ParameterName, 'Use PKCE S256 even though the authorization server doesn''t advertise it (Entra ID supports it without saying so). Example: --assume-pkce')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Don''t open a browser; only print the sign-in URL on stderr. Example: --no-browser')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'mcp-remote''s --debug: the same as --log-level debug')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'mcp-remote''s --silent: the same as --log-level error (unless --debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to a server in this terminal and store the token, so the bridge your host starts later just works. Example: mcp-tether login https://mcp.example.com/mcp')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove stored tokens and client registrations (revoking them first where the server allows). Example: mcp-tether logout https://mcp.example.com/mcp')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List what is stored: server, issuer, client, scopes, expiry. Never the secrets')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check a server''s authorization setup without relaying anything: what the bridge would discover, which client, scopes and flow it would use, and what to change when something would fail. Example: mcp-tether doctor https://mcp.example.com/mcp')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a server to a host''s config (after running doctor on it): the entry runs this binary by its full path, or npx/uvx with --via. Example: mcp-tether add example https://mcp.example.com/mcp --host claude-desktop')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a server entry that `add` wrote from a host''s config. Example: mcp-tether remove example --host claude-desktop')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the servers in a host''s config that run through mcp-tether. Example: mcp-tether list --host cursor')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script. Example: mcp-tether completions zsh > ~/.zfunc/_mcp-tether')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mcp-tether;login' {
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}''')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}''')
            [CompletionResult]::new('--header-file', '--header-file', [CompletionResultType]::ParameterName, 'Read more headers from a file: one ''Name: value'' per line, `#` starts a comment, ${VAR} is expanded. Keeps credentials out of the process list and the host''s config. Example: --header-file ~/.config/mcp/github.headers')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Seconds between keep-alive pings (implies --keep-alive). Example: --ping-interval 15')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'Which transport to speak. `auto` tries Streamable HTTP and falls back to the 2024-11-05 HTTP+SSE transport when the server rejects the first POST. Example: --transport sse')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Which MCP protocol era the server speaks. `auto` asks the server once (`server/discover`) and remembers the answer per server; a host that speaks the 2025 era then works with a 2026-07-28 server too. Example: --protocol legacy')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection, for response headers and for a JSON body. Long-lived event streams are not cut by it. Example: --timeout 30')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file (repeatable), on top of the system''s trust store: for TLS-inspecting corporate proxies and private CAs. Example: --ca-cert /etc/ssl/corp-root.pem `SSL_CERT_FILE` is honoured the same way')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a TCP (and TLS) connection, when it should differ from --timeout. Example: --connect-timeout 5')
            [CompletionResult]::new('--ignore-tool', '--ignore-tool', [CompletionResultType]::ParameterName, 'Hide tools whose name matches this pattern from the host (repeatable; `*` matches any run of characters). Example: --ignore-tool ''delete_*''')
            [CompletionResult]::new('--static-oauth-client-info', '--static-oauth-client-info', [CompletionResultType]::ParameterName, 'mcp-remote: `{"client_id": …, "client_secret": …}` as JSON or @file; the same as --client-id / --client-secret')
            [CompletionResult]::new('--static-oauth-client-metadata', '--static-oauth-client-metadata', [CompletionResultType]::ParameterName, 'mcp-remote: client metadata as JSON or @file. `scope` maps to --scope; the rest is ignored (mcp-tether registers its own metadata)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'mcp-remote: the callback host name, the same as --callback-host')
            [CompletionResult]::new('--headers-timeout', '--headers-timeout', [CompletionResultType]::ParameterName, 'mcp-remote: seconds to wait for response headers, the same as --timeout')
            [CompletionResult]::new('--body-timeout', '--body-timeout', [CompletionResultType]::ParameterName, 'mcp-remote: the longest gap between chunks of a body. mcp-tether never cuts an event stream for being idle and bounds JSON bodies by --timeout, so this is accepted and has no effect')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to request, space-separated; overrides what the server asks for. Example: --scope ''openid offline_access api://mcp/.default''')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'A pre-registered OAuth client id, for providers without dynamic registration (Entra ID, Cognito, Auth0 by default, GitHub). Example: --client-id 1a2b3c')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The client secret of a confidential pre-registered client. Prefer --client-secret-env, which keeps it out of process listings')
            [CompletionResult]::new('--client-secret-env', '--client-secret-env', [CompletionResultType]::ParameterName, 'Read the client secret from this environment variable. Example: --client-secret-env MCP_SECRET')
            [CompletionResult]::new('--client-metadata-url', '--client-metadata-url', [CompletionResultType]::ParameterName, 'A Client ID Metadata Document URL to use as the client id, where the authorization server supports it. Example: --client-metadata-url https://example.com/client.json')
            [CompletionResult]::new('--registration-token', '--registration-token', [CompletionResultType]::ParameterName, 'An initial access token for registration endpoints that require one (Okta style). Example: --registration-token "$OKTA_IAT"')
            [CompletionResult]::new('--resource-metadata', '--resource-metadata', [CompletionResultType]::ParameterName, 'Where the server''s protected resource metadata is, when it isn''t at the well-known path. Example: --resource-metadata https://mcp.example.com/custom/prm.json')
            [CompletionResult]::new('--auth-server', '--auth-server', [CompletionResultType]::ParameterName, 'The authorization server''s issuer, when the server doesn''t say. Example: --auth-server https://login.example.com/tenant1')
            [CompletionResult]::new('--auth-success-url', '--auth-success-url', [CompletionResultType]::ParameterName, 'After a sign-in that worked, send the browser to this page instead of mcp-tether''s own (https, or http on loopback; no query or fragment). Example: --auth-success-url https://intranet.example.com/mcp-connected')
            [CompletionResult]::new('--token-endpoint', '--token-endpoint', [CompletionResultType]::ParameterName, 'The token endpoint, for --flow client-credentials against an authorization server that publishes no metadata: discovery is skipped. Example: --token-endpoint https://auth.internal/oauth/token')
            [CompletionResult]::new('--auth-server-metadata', '--auth-server-metadata', [CompletionResultType]::ParameterName, 'The authorization server''s metadata URL, for metadata on another host or path. Example: --auth-server-metadata https://idp.example.com/oauth/meta.json')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'The RFC 8707 resource to request tokens for (default: the server''s own). Example: --resource https://mcp.example.com')
            [CompletionResult]::new('--auth-param', '--auth-param', [CompletionResultType]::ParameterName, 'An extra authorization request parameter (repeatable), such as Auth0''s audience. Example: --auth-param audience=https://api.example.com')
            [CompletionResult]::new('--callback-port', '--callback-port', [CompletionResultType]::ParameterName, 'Listen for the sign-in callback on this port, for providers that only accept the exact redirect URI registered. Example: --callback-port 33418')
            [CompletionResult]::new('--callback-host', '--callback-host', [CompletionResultType]::ParameterName, 'Host name in the redirect URI: 127.0.0.1 (default) or localhost. The listener is on loopback either way. Example: --callback-host localhost')
            [CompletionResult]::new('--callback-path', '--callback-path', [CompletionResultType]::ParameterName, 'Path in the redirect URI. An app registered for mcp-remote needs no change at the provider with: --callback-host localhost --callback-port 3334 --callback-path /oauth/callback')
            [CompletionResult]::new('--token-store', '--token-store', [CompletionResultType]::ParameterName, 'Where tokens are kept: the OS keyring (macOS Keychain, Windows Credential Manager, Secret Service), a private file, or auto (the keyring when one answers, else the file). Example: --token-store file')
            [CompletionResult]::new('--auth-timeout', '--auth-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the sign-in to complete. Example: --auth-timeout 600')
            [CompletionResult]::new('--flow', '--flow', [CompletionResultType]::ParameterName, 'How to get a token: `auto` picks the device flow when no browser can be opened here (SSH, no display) and the server offers it, else the browser. Never picked by `auto`, for agents with no person signing in: `client-credentials`; `jwt-bearer`, a workload''s own JWT (RFC 7523, with --assertion-file or --assertion-env); `enterprise`, an ID-JAG from the enterprise IdP for your ID token (SEP-990, with the --idp-* flags). Example: --flow device')
            [CompletionResult]::new('--client-assertion-key', '--client-assertion-key', [CompletionResultType]::ParameterName, 'Private key (PEM file) for private_key_jwt client authentication with --flow client-credentials. Example: --client-assertion-key agent.pem')
            [CompletionResult]::new('--client-assertion-alg', '--client-assertion-alg', [CompletionResultType]::ParameterName, 'Signing algorithm for --client-assertion-key. Example: --client-assertion-alg ES256')
            [CompletionResult]::new('--assertion-file', '--assertion-file', [CompletionResultType]::ParameterName, '--flow jwt-bearer: the file holding the workload''s JWT, read again at each token request (it rotates). Example: --assertion-file /var/run/secrets/tokens/mcp-token')
            [CompletionResult]::new('--assertion-env', '--assertion-env', [CompletionResultType]::ParameterName, '--flow jwt-bearer: the environment variable holding the workload''s JWT. Example: --assertion-env CI_JOB_JWT')
            [CompletionResult]::new('--idp-issuer', '--idp-issuer', [CompletionResultType]::ParameterName, '--flow enterprise: the enterprise IdP''s issuer; its endpoints are discovered, and mcp-tether signs you in there unless --id-token-file or --id-token-env gives the ID token. Example: --idp-issuer https://acme.okta.com')
            [CompletionResult]::new('--idp-token-endpoint', '--idp-token-endpoint', [CompletionResultType]::ParameterName, '--flow enterprise: the enterprise IdP''s token endpoint (no discovery; needs --id-token-file or --id-token-env). Example: --idp-token-endpoint https://acme.okta.com/oauth2/v1/token')
            [CompletionResult]::new('--idp-client-id', '--idp-client-id', [CompletionResultType]::ParameterName, '--flow enterprise: this app''s client id at the enterprise IdP. Example: --idp-client-id 0oa1b2c3')
            [CompletionResult]::new('--idp-client-secret', '--idp-client-secret', [CompletionResultType]::ParameterName, '--flow enterprise: the IdP client''s secret. Prefer --idp-client-secret-env')
            [CompletionResult]::new('--idp-client-secret-env', '--idp-client-secret-env', [CompletionResultType]::ParameterName, '--flow enterprise: read the IdP client''s secret from this environment variable. Example: --idp-client-secret-env IDP_SECRET')
            [CompletionResult]::new('--id-token-file', '--id-token-file', [CompletionResultType]::ParameterName, '--flow enterprise: the file holding your ID token from the IdP, read again at each sign-in, instead of signing in to the IdP. Example: --id-token-file ~/.config/okta/id_token')
            [CompletionResult]::new('--id-token-env', '--id-token-env', [CompletionResultType]::ParameterName, '--flow enterprise: the environment variable holding your ID token. Example: --id-token-env OKTA_ID_TOKEN')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log: error, warn, info, debug or trace. Example: --log-level debug')
            [CompletionResult]::new('--log-file', '--log-file', [CompletionResultType]::ParameterName, 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log')
            [CompletionResult]::new('--paste', '--paste', [CompletionResultType]::ParameterName, 'For SSH sessions without a device flow: print the sign-in URL, open it on any machine, and paste back the address the browser ends on (or just the code)')
            [CompletionResult]::new('--keep-alive', '--keep-alive', [CompletionResultType]::ParameterName, 'Ping the server when the connection is otherwise idle, so load balancers and proxies don''t drop it (every 30 s; see --ping-interval). Example: --keep-alive')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Allow plain http:// to a host that is not loopback. Tokens and headers then travel unencrypted: use it only on a network you trust. Example: mcp-tether --allow-http http://mcp.internal:8080/mcp')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any TLS certificate, even an invalid or self-signed one. For lab use only: anyone on the path can then read your tokens. mcp-tether warns on every start while it is set. Prefer --ca-cert')
            [CompletionResult]::new('--ipv4', '--ipv4', [CompletionResultType]::ParameterName, 'Connect over IPv4 only, for hosts whose IPv6 addresses resolve but silently drop traffic. Example: --ipv4')
            [CompletionResult]::new('--device-code', '--device-code', [CompletionResultType]::ParameterName, 'mcp-remote: the same as --flow device')
            [CompletionResult]::new('--client-credentials', '--client-credentials', [CompletionResultType]::ParameterName, 'mcp-remote: the same as --flow client-credentials')
            [CompletionResult]::new('--enable-proxy', '--enable-proxy', [CompletionResultType]::ParameterName, 'mcp-remote: use HTTP(S)_PROXY / NO_PROXY. mcp-tether always does, so this is accepted and has no effect')
            [CompletionResult]::new('--disable-cookies', '--disable-cookies', [CompletionResultType]::ParameterName, 'Don''t keep the cookies the server sets. By default cookies the MCP server sets (load-balancer stickiness) are sent back to it, in memory only, for the life of the process. Example: --disable-cookies')
            [CompletionResult]::new('--use-id-token', '--use-id-token', [CompletionResultType]::ParameterName, 'Send the OpenID Connect ID token instead of the access token, for servers that check who the caller is rather than what it may do (Cognito in front of Bedrock AgentCore). Adds `openid` to the scope. Example: --use-id-token')
            [CompletionResult]::new('--dpop', '--dpop', [CompletionResultType]::ParameterName, 'Bind tokens to a key this bridge holds (DPoP, RFC 9449) even though the MCP server doesn''t ask for it. Without this flag, tokens are bound when the server asks (its resource metadata or a `DPoP` challenge) and the authorization server supports ES256. Example: --dpop')
            [CompletionResult]::new('--no-dpop', '--no-dpop', [CompletionResultType]::ParameterName, 'Never bind tokens with DPoP, even when the server asks; for a server that advertises DPoP but takes only Bearer tokens. Example: --no-dpop')
            [CompletionResult]::new('--no-resource', '--no-resource', [CompletionResultType]::ParameterName, 'Leave the RFC 8707 `resource` parameter out of every authorization, token, refresh and device request, for providers that reject it (Entra ID v2: AADSTS9010010). The scope then has to name the API, e.g. --scope ''api://<app-id>/.default''. Example: --no-resource')
            [CompletionResult]::new('--assume-pkce', '--assume-pkce', [CompletionResultType]::ParameterName, 'Use PKCE S256 even though the authorization server doesn''t advertise it (Entra ID supports it without saying so). Example: --assume-pkce')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Don''t open a browser; only print the sign-in URL on stderr. Example: --no-browser')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'mcp-remote''s --debug: the same as --log-level debug')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'mcp-remote''s --silent: the same as --log-level error (unless --debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mcp-tether;logout' {
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file (repeatable), on top of the system''s trust store: for TLS-inspecting corporate proxies and private CAs. Example: --ca-cert /etc/ssl/corp-root.pem `SSL_CERT_FILE` is honoured the same way')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a TCP (and TLS) connection, when it should differ from --timeout. Example: --connect-timeout 5')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log: error, warn, info, debug or trace. Example: --log-level debug')
            [CompletionResult]::new('--log-file', '--log-file', [CompletionResultType]::ParameterName, 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Forget every server')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any TLS certificate, even an invalid or self-signed one. For lab use only: anyone on the path can then read your tokens. mcp-tether warns on every start while it is set. Prefer --ca-cert')
            [CompletionResult]::new('--ipv4', '--ipv4', [CompletionResultType]::ParameterName, 'Connect over IPv4 only, for hosts whose IPv6 addresses resolve but silently drop traffic. Example: --ipv4')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'mcp-remote''s --debug: the same as --log-level debug')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'mcp-remote''s --silent: the same as --log-level error (unless --debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mcp-tether;status' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log: error, warn, info, debug or trace. Example: --log-level debug')
            [CompletionResult]::new('--log-file', '--log-file', [CompletionResultType]::ParameterName, 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'mcp-remote''s --debug: the same as --log-level debug')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'mcp-remote''s --silent: the same as --log-level error (unless --debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mcp-tether;doctor' {
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}''')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}''')
            [CompletionResult]::new('--header-file', '--header-file', [CompletionResultType]::ParameterName, 'Read more headers from a file: one ''Name: value'' per line, `#` starts a comment, ${VAR} is expanded. Keeps credentials out of the process list and the host''s config. Example: --header-file ~/.config/mcp/github.headers')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Seconds between keep-alive pings (implies --keep-alive). Example: --ping-interval 15')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'Which transport to speak. `auto` tries Streamable HTTP and falls back to the 2024-11-05 HTTP+SSE transport when the server rejects the first POST. Example: --transport sse')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Which MCP protocol era the server speaks. `auto` asks the server once (`server/discover`) and remembers the answer per server; a host that speaks the 2025 era then works with a 2026-07-28 server too. Example: --protocol legacy')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection, for response headers and for a JSON body. Long-lived event streams are not cut by it. Example: --timeout 30')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file (repeatable), on top of the system''s trust store: for TLS-inspecting corporate proxies and private CAs. Example: --ca-cert /etc/ssl/corp-root.pem `SSL_CERT_FILE` is honoured the same way')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a TCP (and TLS) connection, when it should differ from --timeout. Example: --connect-timeout 5')
            [CompletionResult]::new('--ignore-tool', '--ignore-tool', [CompletionResultType]::ParameterName, 'Hide tools whose name matches this pattern from the host (repeatable; `*` matches any run of characters). Example: --ignore-tool ''delete_*''')
            [CompletionResult]::new('--static-oauth-client-info', '--static-oauth-client-info', [CompletionResultType]::ParameterName, 'mcp-remote: `{"client_id": …, "client_secret": …}` as JSON or @file; the same as --client-id / --client-secret')
            [CompletionResult]::new('--static-oauth-client-metadata', '--static-oauth-client-metadata', [CompletionResultType]::ParameterName, 'mcp-remote: client metadata as JSON or @file. `scope` maps to --scope; the rest is ignored (mcp-tether registers its own metadata)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'mcp-remote: the callback host name, the same as --callback-host')
            [CompletionResult]::new('--headers-timeout', '--headers-timeout', [CompletionResultType]::ParameterName, 'mcp-remote: seconds to wait for response headers, the same as --timeout')
            [CompletionResult]::new('--body-timeout', '--body-timeout', [CompletionResultType]::ParameterName, 'mcp-remote: the longest gap between chunks of a body. mcp-tether never cuts an event stream for being idle and bounds JSON bodies by --timeout, so this is accepted and has no effect')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to request, space-separated; overrides what the server asks for. Example: --scope ''openid offline_access api://mcp/.default''')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'A pre-registered OAuth client id, for providers without dynamic registration (Entra ID, Cognito, Auth0 by default, GitHub). Example: --client-id 1a2b3c')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The client secret of a confidential pre-registered client. Prefer --client-secret-env, which keeps it out of process listings')
            [CompletionResult]::new('--client-secret-env', '--client-secret-env', [CompletionResultType]::ParameterName, 'Read the client secret from this environment variable. Example: --client-secret-env MCP_SECRET')
            [CompletionResult]::new('--client-metadata-url', '--client-metadata-url', [CompletionResultType]::ParameterName, 'A Client ID Metadata Document URL to use as the client id, where the authorization server supports it. Example: --client-metadata-url https://example.com/client.json')
            [CompletionResult]::new('--registration-token', '--registration-token', [CompletionResultType]::ParameterName, 'An initial access token for registration endpoints that require one (Okta style). Example: --registration-token "$OKTA_IAT"')
            [CompletionResult]::new('--resource-metadata', '--resource-metadata', [CompletionResultType]::ParameterName, 'Where the server''s protected resource metadata is, when it isn''t at the well-known path. Example: --resource-metadata https://mcp.example.com/custom/prm.json')
            [CompletionResult]::new('--auth-server', '--auth-server', [CompletionResultType]::ParameterName, 'The authorization server''s issuer, when the server doesn''t say. Example: --auth-server https://login.example.com/tenant1')
            [CompletionResult]::new('--auth-success-url', '--auth-success-url', [CompletionResultType]::ParameterName, 'After a sign-in that worked, send the browser to this page instead of mcp-tether''s own (https, or http on loopback; no query or fragment). Example: --auth-success-url https://intranet.example.com/mcp-connected')
            [CompletionResult]::new('--token-endpoint', '--token-endpoint', [CompletionResultType]::ParameterName, 'The token endpoint, for --flow client-credentials against an authorization server that publishes no metadata: discovery is skipped. Example: --token-endpoint https://auth.internal/oauth/token')
            [CompletionResult]::new('--auth-server-metadata', '--auth-server-metadata', [CompletionResultType]::ParameterName, 'The authorization server''s metadata URL, for metadata on another host or path. Example: --auth-server-metadata https://idp.example.com/oauth/meta.json')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'The RFC 8707 resource to request tokens for (default: the server''s own). Example: --resource https://mcp.example.com')
            [CompletionResult]::new('--auth-param', '--auth-param', [CompletionResultType]::ParameterName, 'An extra authorization request parameter (repeatable), such as Auth0''s audience. Example: --auth-param audience=https://api.example.com')
            [CompletionResult]::new('--callback-port', '--callback-port', [CompletionResultType]::ParameterName, 'Listen for the sign-in callback on this port, for providers that only accept the exact redirect URI registered. Example: --callback-port 33418')
            [CompletionResult]::new('--callback-host', '--callback-host', [CompletionResultType]::ParameterName, 'Host name in the redirect URI: 127.0.0.1 (default) or localhost. The listener is on loopback either way. Example: --callback-host localhost')
            [CompletionResult]::new('--callback-path', '--callback-path', [CompletionResultType]::ParameterName, 'Path in the redirect URI. An app registered for mcp-remote needs no change at the provider with: --callback-host localhost --callback-port 3334 --callback-path /oauth/callback')
            [CompletionResult]::new('--token-store', '--token-store', [CompletionResultType]::ParameterName, 'Where tokens are kept: the OS keyring (macOS Keychain, Windows Credential Manager, Secret Service), a private file, or auto (the keyring when one answers, else the file). Example: --token-store file')
            [CompletionResult]::new('--auth-timeout', '--auth-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the sign-in to complete. Example: --auth-timeout 600')
            [CompletionResult]::new('--flow', '--flow', [CompletionResultType]::ParameterName, 'How to get a token: `auto` picks the device flow when no browser can be opened here (SSH, no display) and the server offers it, else the browser. Never picked by `auto`, for agents with no person signing in: `client-credentials`; `jwt-bearer`, a workload''s own JWT (RFC 7523, with --assertion-file or --assertion-env); `enterprise`, an ID-JAG from the enterprise IdP for your ID token (SEP-990, with the --idp-* flags). Example: --flow device')
            [CompletionResult]::new('--client-assertion-key', '--client-assertion-key', [CompletionResultType]::ParameterName, 'Private key (PEM file) for private_key_jwt client authentication with --flow client-credentials. Example: --client-assertion-key agent.pem')
            [CompletionResult]::new('--client-assertion-alg', '--client-assertion-alg', [CompletionResultType]::ParameterName, 'Signing algorithm for --client-assertion-key. Example: --client-assertion-alg ES256')
            [CompletionResult]::new('--assertion-file', '--assertion-file', [CompletionResultType]::ParameterName, '--flow jwt-bearer: the file holding the workload''s JWT, read again at each token request (it rotates). Example: --assertion-file /var/run/secrets/tokens/mcp-token')
            [CompletionResult]::new('--assertion-env', '--assertion-env', [CompletionResultType]::ParameterName, '--flow jwt-bearer: the environment variable holding the workload''s JWT. Example: --assertion-env CI_JOB_JWT')
            [CompletionResult]::new('--idp-issuer', '--idp-issuer', [CompletionResultType]::ParameterName, '--flow enterprise: the enterprise IdP''s issuer; its endpoints are discovered, and mcp-tether signs you in there unless --id-token-file or --id-token-env gives the ID token. Example: --idp-issuer https://acme.okta.com')
            [CompletionResult]::new('--idp-token-endpoint', '--idp-token-endpoint', [CompletionResultType]::ParameterName, '--flow enterprise: the enterprise IdP''s token endpoint (no discovery; needs --id-token-file or --id-token-env). Example: --idp-token-endpoint https://acme.okta.com/oauth2/v1/token')
            [CompletionResult]::new('--idp-client-id', '--idp-client-id', [CompletionResultType]::ParameterName, '--flow enterprise: this app''s client id at the enterprise IdP. Example: --idp-client-id 0oa1b2c3')
            [CompletionResult]::new('--idp-client-secret', '--idp-client-secret', [CompletionResultType]::ParameterName, '--flow enterprise: the IdP client''s secret. Prefer --idp-client-secret-env')
            [CompletionResult]::new('--idp-client-secret-env', '--idp-client-secret-env', [CompletionResultType]::ParameterName, '--flow enterprise: read the IdP client''s secret from this environment variable. Example: --idp-client-secret-env IDP_SECRET')
            [CompletionResult]::new('--id-token-file', '--id-token-file', [CompletionResultType]::ParameterName, '--flow enterprise: the file holding your ID token from the IdP, read again at each sign-in, instead of signing in to the IdP. Example: --id-token-file ~/.config/okta/id_token')
            [CompletionResult]::new('--id-token-env', '--id-token-env', [CompletionResultType]::ParameterName, '--flow enterprise: the environment variable holding your ID token. Example: --id-token-env OKTA_ID_TOKEN')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log: error, warn, info, debug or trace. Example: --log-level debug')
            [CompletionResult]::new('--log-file', '--log-file', [CompletionResultType]::ParameterName, 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output (a versioned schema, see docs/doctor.md)')
            [CompletionResult]::new('--keep-alive', '--keep-alive', [CompletionResultType]::ParameterName, 'Ping the server when the connection is otherwise idle, so load balancers and proxies don''t drop it (every 30 s; see --ping-interval). Example: --keep-alive')
            [CompletionResult]::new('--allow-http', '--allow-http', [CompletionResultType]::ParameterName, 'Allow plain http:// to a host that is not loopback. Tokens and headers then travel unencrypted: use it only on a network you trust. Example: mcp-tether --allow-http http://mcp.internal:8080/mcp')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any TLS certificate, even an invalid or self-signed one. For lab use only: anyone on the path can then read your tokens. mcp-tether warns on every start while it is set. Prefer --ca-cert')
            [CompletionResult]::new('--ipv4', '--ipv4', [CompletionResultType]::ParameterName, 'Connect over IPv4 only, for hosts whose IPv6 addresses resolve but silently drop traffic. Example: --ipv4')
            [CompletionResult]::new('--device-code', '--device-code', [CompletionResultType]::ParameterName, 'mcp-remote: the same as --flow device')
            [CompletionResult]::new('--client-credentials', '--client-credentials', [CompletionResultType]::ParameterName, 'mcp-remote: the same as --flow client-credentials')
            [CompletionResult]::new('--enable-proxy', '--enable-proxy', [CompletionResultType]::ParameterName, 'mcp-remote: use HTTP(S)_PROXY / NO_PROXY. mcp-tether always does, so this is accepted and has no effect')
            [CompletionResult]::new('--disable-cookies', '--disable-cookies', [CompletionResultType]::ParameterName, 'Don''t keep the cookies the server sets. By default cookies the MCP server sets (load-balancer stickiness) are sent back to it, in memory only, for the life of the process. Example: --disable-cookies')
            [CompletionResult]::new('--use-id-token', '--use-id-token', [CompletionResultType]::ParameterName, 'Send the OpenID Connect ID token instead of the access token, for servers that check who the caller is rather than what it may do (Cognito in front of Bedrock AgentCore). Adds `openid` to the scope. Example: --use-id-token')
            [CompletionResult]::new('--dpop', '--dpop', [CompletionResultType]::ParameterName, 'Bind tokens to a key this bridge holds (DPoP, RFC 9449) even though the MCP server doesn''t ask for it. Without this flag, tokens are bound when the server asks (its resource metadata or a `DPoP` challenge) and the authorization server supports ES256. Example: --dpop')
            [CompletionResult]::new('--no-dpop', '--no-dpop', [CompletionResultType]::ParameterName, 'Never bind tokens with DPoP, even when the server asks; for a server that advertises DPoP but takes only Bearer tokens. Example: --no-dpop')
            [CompletionResult]::new('--no-resource', '--no-resource', [CompletionResultType]::ParameterName, 'Leave the RFC 8707 `resource` parameter out of every authorization, token, refresh and device request, for providers that reject it (Entra ID v2: AADSTS9010010). The scope then has to name the API, e.g. --scope ''api://<app-id>/.default''. Example: --no-resource')
            [CompletionResult]::new('--assume-pkce', '--assume-pkce', [CompletionResultType]::ParameterName, 'Use PKCE S256 even though the authorization server doesn''t advertise it (Entra ID supports it without saying so). Example: --assume-pkce')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Don''t open a browser; only print the sign-in URL on stderr. Example: --no-browser')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'mcp-remote''s --debug: the same as --log-level debug')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'mcp-remote''s --silent: the same as --log-level error (unless --debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mcp-tether;add' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The host whose user config to edit')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Edit this file instead of the host''s user config (same format). Example: --config .vscode/mcp.json')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How the entry starts mcp-tether')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log: error, warn, info, debug or trace. Example: --log-level debug')
            [CompletionResult]::new('--log-file', '--log-file', [CompletionResultType]::ParameterName, 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the change instead of writing it')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write the entry even though doctor found a problem, or over an entry of that name that doesn''t run mcp-tether')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'mcp-remote''s --debug: the same as --log-level debug')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'mcp-remote''s --silent: the same as --log-level error (unless --debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mcp-tether;remove' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The host whose user config to edit')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Edit this file instead of the host''s user config (same format). Example: --config .vscode/mcp.json')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log: error, warn, info, debug or trace. Example: --log-level debug')
            [CompletionResult]::new('--log-file', '--log-file', [CompletionResultType]::ParameterName, 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the change instead of writing it')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Remove the entry even though it doesn''t run mcp-tether')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'mcp-remote''s --debug: the same as --log-level debug')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'mcp-remote''s --silent: the same as --log-level error (unless --debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mcp-tether;list' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The host whose user config to edit')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Edit this file instead of the host''s user config (same format). Example: --config .vscode/mcp.json')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log: error, warn, info, debug or trace. Example: --log-level debug')
            [CompletionResult]::new('--log-file', '--log-file', [CompletionResultType]::ParameterName, 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'mcp-remote''s --debug: the same as --log-level debug')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'mcp-remote''s --silent: the same as --log-level error (unless --debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mcp-tether;completions' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log: error, warn, info, debug or trace. Example: --log-level debug')
            [CompletionResult]::new('--log-file', '--log-file', [CompletionResultType]::ParameterName, 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'mcp-remote''s --debug: the same as --log-level debug')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'mcp-remote''s --silent: the same as --log-level error (unless --debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mcp-tether;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to a server in this terminal and store the token, so the bridge your host starts later just works. Example: mcp-tether login https://mcp.example.com/mcp')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove stored tokens and client registrations (revoking them first where the server allows). Example: mcp-tether logout https://mcp.example.com/mcp')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List what is stored: server, issuer, client, scopes, expiry. Never the secrets')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check a server''s authorization setup without relaying anything: what the bridge would discover, which client, scopes and flow it would use, and what to change when something would fail. Example: mcp-tether doctor https://mcp.example.com/mcp')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a server to a host''s config (after running doctor on it): the entry runs this binary by its full path, or npx/uvx with --via. Example: mcp-tether add example https://mcp.example.com/mcp --host claude-desktop')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a server entry that `add` wrote from a host''s config. Example: mcp-tether remove example --host claude-desktop')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the servers in a host''s config that run through mcp-tether. Example: mcp-tether list --host cursor')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script. Example: mcp-tether completions zsh > ~/.zfunc/_mcp-tether')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mcp-tether;help;login' {
            break
        }
        'mcp-tether;help;logout' {
            break
        }
        'mcp-tether;help;status' {
            break
        }
        'mcp-tether;help;doctor' {
            break
        }
        'mcp-tether;help;add' {
            break
        }
        'mcp-tether;help;remove' {
            break
        }
        'mcp-tether;help;list' {
            break
        }
        'mcp-tether;help;completions' {
            break
        }
        'mcp-tether;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
