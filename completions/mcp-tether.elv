
use builtin;
use str;

set edit:completion:arg-completer[mcp-tether] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mcp-tether'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mcp-tether'= {
            cand -H 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}'''
            cand --header 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}'''
            cand --header-file 'Read more headers from a file: one ''Name: value'' per line, `#` starts a comment, ${VAR} is expanded. Keeps credentials out of the process list and the host''s config. Example: --header-file ~/.config/mcp/github.headers'
            cand --ping-interval 'Seconds between keep-alive pings (implies --keep-alive). Example: --ping-interval 15'
            cand --transport 'Which transport to speak. `auto` tries Streamable HTTP and falls back to the 2024-11-05 HTTP+SSE transport when the server rejects the first POST. Example: --transport sse'
            cand --protocol 'Which MCP protocol era the server speaks. `auto` asks the server once (`server/discover`) and remembers the answer per server; a host that speaks the 2025 era then works with a 2026-07-28 server too. Example: --protocol legacy'
            cand --timeout 'Seconds to wait for a connection, for response headers and for a JSON body. Long-lived event streams are not cut by it. Example: --timeout 30'
            cand --ca-cert 'Also trust the CA certificates in this PEM file (repeatable), on top of the system''s trust store: for TLS-inspecting corporate proxies and private CAs. Example: --ca-cert /etc/ssl/corp-root.pem `SSL_CERT_FILE` is honoured the same way'
            cand --ignore-tool 'Hide tools whose name matches this pattern from the host (repeatable; `*` matches any run of characters). Example: --ignore-tool ''delete_*'''
            cand --static-oauth-client-info 'mcp-remote: `{"client_id": …, "client_secret": …}` as JSON or @file; the same as --client-id / --client-secret'
            cand --static-oauth-client-metadata 'mcp-remote: client metadata as JSON or @file. `scope` maps to --scope; the rest is ignored (mcp-tether registers its own metadata)'
            cand --host 'mcp-remote: the callback host name, the same as --callback-host'
            cand --scope 'Scopes to request, space-separated; overrides what the server asks for. Example: --scope ''openid offline_access api://mcp/.default'''
            cand --client-id 'A pre-registered OAuth client id, for providers without dynamic registration (Entra ID, Cognito, Auth0 by default, GitHub). Example: --client-id 1a2b3c'
            cand --client-secret 'The client secret of a confidential pre-registered client. Prefer --client-secret-env, which keeps it out of process listings'
            cand --client-secret-env 'Read the client secret from this environment variable. Example: --client-secret-env MCP_SECRET'
            cand --client-metadata-url 'A Client ID Metadata Document URL to use as the client id, where the authorization server supports it. Example: --client-metadata-url https://example.com/client.json'
            cand --registration-token 'An initial access token for registration endpoints that require one (Okta style). Example: --registration-token "$OKTA_IAT"'
            cand --resource-metadata 'Where the server''s protected resource metadata is, when it isn''t at the well-known path. Example: --resource-metadata https://mcp.example.com/custom/prm.json'
            cand --auth-server 'The authorization server''s issuer, when the server doesn''t say. Example: --auth-server https://login.example.com/tenant1'
            cand --auth-server-metadata 'The authorization server''s metadata URL, for metadata on another host or path. Example: --auth-server-metadata https://idp.example.com/oauth/meta.json'
            cand --resource 'The RFC 8707 resource to request tokens for (default: the server''s own). Example: --resource https://mcp.example.com'
            cand --auth-param 'An extra authorization request parameter (repeatable), such as Auth0''s audience. Example: --auth-param audience=https://api.example.com'
            cand --callback-port 'Listen for the sign-in callback on this port, for providers that only accept the exact redirect URI registered. Example: --callback-port 33418'
            cand --callback-host 'Host name in the redirect URI: 127.0.0.1 (default) or localhost. The listener is on loopback either way. Example: --callback-host localhost'
            cand --callback-path 'Path in the redirect URI. An app registered for mcp-remote needs no change at the provider with: --callback-host localhost --callback-port 3334 --callback-path /oauth/callback'
            cand --token-store 'Where tokens are kept: the OS keyring (macOS Keychain, Windows Credential Manager, Secret Service), a private file, or auto (the keyring when one answers, else the file). Example: --token-store file'
            cand --auth-timeout 'Seconds to wait for the sign-in to complete. Example: --auth-timeout 600'
            cand --flow 'How to get a token: `auto` picks the device flow when no browser can be opened here (SSH, no display) and the server offers it, else the browser. `client-credentials` is for agents with no person (never picked by `auto`). Example: --flow device'
            cand --client-assertion-key 'Private key (PEM file) for private_key_jwt client authentication with --flow client-credentials. Example: --client-assertion-key agent.pem'
            cand --client-assertion-alg 'Signing algorithm for --client-assertion-key. Example: --client-assertion-alg ES256'
            cand --log-level 'How much to log: error, warn, info, debug or trace. Example: --log-level debug'
            cand --log-file 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log'
            cand --keep-alive 'Ping the server when the connection is otherwise idle, so load balancers and proxies don''t drop it (every 30 s; see --ping-interval). Example: --keep-alive'
            cand --allow-http 'Allow plain http:// to a host that is not loopback. Tokens and headers then travel unencrypted: use it only on a network you trust. Example: mcp-tether --allow-http http://mcp.internal:8080/mcp'
            cand --insecure 'Accept any TLS certificate, even an invalid or self-signed one. For lab use only: anyone on the path can then read your tokens. mcp-tether warns on every start while it is set. Prefer --ca-cert'
            cand --no-resource 'Leave the RFC 8707 `resource` parameter out of every authorization, token, refresh and device request, for providers that reject it (Entra ID v2: AADSTS9010010). The scope then has to name the API, e.g. --scope ''api://<app-id>/.default''. Example: --no-resource'
            cand --assume-pkce 'Use PKCE S256 even though the authorization server doesn''t advertise it (Entra ID supports it without saying so). Example: --assume-pkce'
            cand --no-browser 'Don''t open a browser; only print the sign-in URL on stderr. Example: --no-browser'
            cand --debug 'mcp-remote''s --debug: the same as --log-level debug'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Sign in to a server in this terminal and store the token, so the bridge your host starts later just works. Example: mcp-tether login https://mcp.example.com/mcp'
            cand logout 'Remove stored tokens and client registrations (revoking them first where the server allows). Example: mcp-tether logout https://mcp.example.com/mcp'
            cand status 'List what is stored: server, issuer, client, scopes, expiry. Never the secrets'
            cand doctor 'Check a server''s authorization setup without relaying anything: what the bridge would discover, which client, scopes and flow it would use, and what to change when something would fail. Example: mcp-tether doctor https://mcp.example.com/mcp'
            cand completions 'Print a shell completion script. Example: mcp-tether completions zsh > ~/.zfunc/_mcp-tether'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mcp-tether;login'= {
            cand -H 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}'''
            cand --header 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}'''
            cand --header-file 'Read more headers from a file: one ''Name: value'' per line, `#` starts a comment, ${VAR} is expanded. Keeps credentials out of the process list and the host''s config. Example: --header-file ~/.config/mcp/github.headers'
            cand --ping-interval 'Seconds between keep-alive pings (implies --keep-alive). Example: --ping-interval 15'
            cand --transport 'Which transport to speak. `auto` tries Streamable HTTP and falls back to the 2024-11-05 HTTP+SSE transport when the server rejects the first POST. Example: --transport sse'
            cand --protocol 'Which MCP protocol era the server speaks. `auto` asks the server once (`server/discover`) and remembers the answer per server; a host that speaks the 2025 era then works with a 2026-07-28 server too. Example: --protocol legacy'
            cand --timeout 'Seconds to wait for a connection, for response headers and for a JSON body. Long-lived event streams are not cut by it. Example: --timeout 30'
            cand --ca-cert 'Also trust the CA certificates in this PEM file (repeatable), on top of the system''s trust store: for TLS-inspecting corporate proxies and private CAs. Example: --ca-cert /etc/ssl/corp-root.pem `SSL_CERT_FILE` is honoured the same way'
            cand --ignore-tool 'Hide tools whose name matches this pattern from the host (repeatable; `*` matches any run of characters). Example: --ignore-tool ''delete_*'''
            cand --static-oauth-client-info 'mcp-remote: `{"client_id": …, "client_secret": …}` as JSON or @file; the same as --client-id / --client-secret'
            cand --static-oauth-client-metadata 'mcp-remote: client metadata as JSON or @file. `scope` maps to --scope; the rest is ignored (mcp-tether registers its own metadata)'
            cand --host 'mcp-remote: the callback host name, the same as --callback-host'
            cand --scope 'Scopes to request, space-separated; overrides what the server asks for. Example: --scope ''openid offline_access api://mcp/.default'''
            cand --client-id 'A pre-registered OAuth client id, for providers without dynamic registration (Entra ID, Cognito, Auth0 by default, GitHub). Example: --client-id 1a2b3c'
            cand --client-secret 'The client secret of a confidential pre-registered client. Prefer --client-secret-env, which keeps it out of process listings'
            cand --client-secret-env 'Read the client secret from this environment variable. Example: --client-secret-env MCP_SECRET'
            cand --client-metadata-url 'A Client ID Metadata Document URL to use as the client id, where the authorization server supports it. Example: --client-metadata-url https://example.com/client.json'
            cand --registration-token 'An initial access token for registration endpoints that require one (Okta style). Example: --registration-token "$OKTA_IAT"'
            cand --resource-metadata 'Where the server''s protected resource metadata is, when it isn''t at the well-known path. Example: --resource-metadata https://mcp.example.com/custom/prm.json'
            cand --auth-server 'The authorization server''s issuer, when the server doesn''t say. Example: --auth-server https://login.example.com/tenant1'
            cand --auth-server-metadata 'The authorization server''s metadata URL, for metadata on another host or path. Example: --auth-server-metadata https://idp.example.com/oauth/meta.json'
            cand --resource 'The RFC 8707 resource to request tokens for (default: the server''s own). Example: --resource https://mcp.example.com'
            cand --auth-param 'An extra authorization request parameter (repeatable), such as Auth0''s audience. Example: --auth-param audience=https://api.example.com'
            cand --callback-port 'Listen for the sign-in callback on this port, for providers that only accept the exact redirect URI registered. Example: --callback-port 33418'
            cand --callback-host 'Host name in the redirect URI: 127.0.0.1 (default) or localhost. The listener is on loopback either way. Example: --callback-host localhost'
            cand --callback-path 'Path in the redirect URI. An app registered for mcp-remote needs no change at the provider with: --callback-host localhost --callback-port 3334 --callback-path /oauth/callback'
            cand --token-store 'Where tokens are kept: the OS keyring (macOS Keychain, Windows Credential Manager, Secret Service), a private file, or auto (the keyring when one answers, else the file). Example: --token-store file'
            cand --auth-timeout 'Seconds to wait for the sign-in to complete. Example: --auth-timeout 600'
            cand --flow 'How to get a token: `auto` picks the device flow when no browser can be opened here (SSH, no display) and the server offers it, else the browser. `client-credentials` is for agents with no person (never picked by `auto`). Example: --flow device'
            cand --client-assertion-key 'Private key (PEM file) for private_key_jwt client authentication with --flow client-credentials. Example: --client-assertion-key agent.pem'
            cand --client-assertion-alg 'Signing algorithm for --client-assertion-key. Example: --client-assertion-alg ES256'
            cand --log-level 'How much to log: error, warn, info, debug or trace. Example: --log-level debug'
            cand --log-file 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log'
            cand --paste 'For SSH sessions without a device flow: print the sign-in URL, open it on any machine, and paste back the address the browser ends on (or just the code)'
            cand --keep-alive 'Ping the server when the connection is otherwise idle, so load balancers and proxies don''t drop it (every 30 s; see --ping-interval). Example: --keep-alive'
            cand --allow-http 'Allow plain http:// to a host that is not loopback. Tokens and headers then travel unencrypted: use it only on a network you trust. Example: mcp-tether --allow-http http://mcp.internal:8080/mcp'
            cand --insecure 'Accept any TLS certificate, even an invalid or self-signed one. For lab use only: anyone on the path can then read your tokens. mcp-tether warns on every start while it is set. Prefer --ca-cert'
            cand --no-resource 'Leave the RFC 8707 `resource` parameter out of every authorization, token, refresh and device request, for providers that reject it (Entra ID v2: AADSTS9010010). The scope then has to name the API, e.g. --scope ''api://<app-id>/.default''. Example: --no-resource'
            cand --assume-pkce 'Use PKCE S256 even though the authorization server doesn''t advertise it (Entra ID supports it without saying so). Example: --assume-pkce'
            cand --no-browser 'Don''t open a browser; only print the sign-in URL on stderr. Example: --no-browser'
            cand --debug 'mcp-remote''s --debug: the same as --log-level debug'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mcp-tether;logout'= {
            cand --log-level 'How much to log: error, warn, info, debug or trace. Example: --log-level debug'
            cand --log-file 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log'
            cand --all 'Forget every server'
            cand --debug 'mcp-remote''s --debug: the same as --log-level debug'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mcp-tether;status'= {
            cand --log-level 'How much to log: error, warn, info, debug or trace. Example: --log-level debug'
            cand --log-file 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log'
            cand --json 'Machine-readable output'
            cand --debug 'mcp-remote''s --debug: the same as --log-level debug'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mcp-tether;doctor'= {
            cand -H 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}'''
            cand --header 'Extra HTTP header sent with every request, as ''Name: value'' (repeatable). ${VAR} is replaced with the environment variable VAR, so secrets stay out of host config files: --header ''Authorization: Bearer ${API_TOKEN}'''
            cand --header-file 'Read more headers from a file: one ''Name: value'' per line, `#` starts a comment, ${VAR} is expanded. Keeps credentials out of the process list and the host''s config. Example: --header-file ~/.config/mcp/github.headers'
            cand --ping-interval 'Seconds between keep-alive pings (implies --keep-alive). Example: --ping-interval 15'
            cand --transport 'Which transport to speak. `auto` tries Streamable HTTP and falls back to the 2024-11-05 HTTP+SSE transport when the server rejects the first POST. Example: --transport sse'
            cand --protocol 'Which MCP protocol era the server speaks. `auto` asks the server once (`server/discover`) and remembers the answer per server; a host that speaks the 2025 era then works with a 2026-07-28 server too. Example: --protocol legacy'
            cand --timeout 'Seconds to wait for a connection, for response headers and for a JSON body. Long-lived event streams are not cut by it. Example: --timeout 30'
            cand --ca-cert 'Also trust the CA certificates in this PEM file (repeatable), on top of the system''s trust store: for TLS-inspecting corporate proxies and private CAs. Example: --ca-cert /etc/ssl/corp-root.pem `SSL_CERT_FILE` is honoured the same way'
            cand --ignore-tool 'Hide tools whose name matches this pattern from the host (repeatable; `*` matches any run of characters). Example: --ignore-tool ''delete_*'''
            cand --static-oauth-client-info 'mcp-remote: `{"client_id": …, "client_secret": …}` as JSON or @file; the same as --client-id / --client-secret'
            cand --static-oauth-client-metadata 'mcp-remote: client metadata as JSON or @file. `scope` maps to --scope; the rest is ignored (mcp-tether registers its own metadata)'
            cand --host 'mcp-remote: the callback host name, the same as --callback-host'
            cand --scope 'Scopes to request, space-separated; overrides what the server asks for. Example: --scope ''openid offline_access api://mcp/.default'''
            cand --client-id 'A pre-registered OAuth client id, for providers without dynamic registration (Entra ID, Cognito, Auth0 by default, GitHub). Example: --client-id 1a2b3c'
            cand --client-secret 'The client secret of a confidential pre-registered client. Prefer --client-secret-env, which keeps it out of process listings'
            cand --client-secret-env 'Read the client secret from this environment variable. Example: --client-secret-env MCP_SECRET'
            cand --client-metadata-url 'A Client ID Metadata Document URL to use as the client id, where the authorization server supports it. Example: --client-metadata-url https://example.com/client.json'
            cand --registration-token 'An initial access token for registration endpoints that require one (Okta style). Example: --registration-token "$OKTA_IAT"'
            cand --resource-metadata 'Where the server''s protected resource metadata is, when it isn''t at the well-known path. Example: --resource-metadata https://mcp.example.com/custom/prm.json'
            cand --auth-server 'The authorization server''s issuer, when the server doesn''t say. Example: --auth-server https://login.example.com/tenant1'
            cand --auth-server-metadata 'The authorization server''s metadata URL, for metadata on another host or path. Example: --auth-server-metadata https://idp.example.com/oauth/meta.json'
            cand --resource 'The RFC 8707 resource to request tokens for (default: the server''s own). Example: --resource https://mcp.example.com'
            cand --auth-param 'An extra authorization request parameter (repeatable), such as Auth0''s audience. Example: --auth-param audience=https://api.example.com'
            cand --callback-port 'Listen for the sign-in callback on this port, for providers that only accept the exact redirect URI registered. Example: --callback-port 33418'
            cand --callback-host 'Host name in the redirect URI: 127.0.0.1 (default) or localhost. The listener is on loopback either way. Example: --callback-host localhost'
            cand --callback-path 'Path in the redirect URI. An app registered for mcp-remote needs no change at the provider with: --callback-host localhost --callback-port 3334 --callback-path /oauth/callback'
            cand --token-store 'Where tokens are kept: the OS keyring (macOS Keychain, Windows Credential Manager, Secret Service), a private file, or auto (the keyring when one answers, else the file). Example: --token-store file'
            cand --auth-timeout 'Seconds to wait for the sign-in to complete. Example: --auth-timeout 600'
            cand --flow 'How to get a token: `auto` picks the device flow when no browser can be opened here (SSH, no display) and the server offers it, else the browser. `client-credentials` is for agents with no person (never picked by `auto`). Example: --flow device'
            cand --client-assertion-key 'Private key (PEM file) for private_key_jwt client authentication with --flow client-credentials. Example: --client-assertion-key agent.pem'
            cand --client-assertion-alg 'Signing algorithm for --client-assertion-key. Example: --client-assertion-alg ES256'
            cand --log-level 'How much to log: error, warn, info, debug or trace. Example: --log-level debug'
            cand --log-file 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log'
            cand --json 'Machine-readable output (a versioned schema, see docs/doctor.md)'
            cand --keep-alive 'Ping the server when the connection is otherwise idle, so load balancers and proxies don''t drop it (every 30 s; see --ping-interval). Example: --keep-alive'
            cand --allow-http 'Allow plain http:// to a host that is not loopback. Tokens and headers then travel unencrypted: use it only on a network you trust. Example: mcp-tether --allow-http http://mcp.internal:8080/mcp'
            cand --insecure 'Accept any TLS certificate, even an invalid or self-signed one. For lab use only: anyone on the path can then read your tokens. mcp-tether warns on every start while it is set. Prefer --ca-cert'
            cand --no-resource 'Leave the RFC 8707 `resource` parameter out of every authorization, token, refresh and device request, for providers that reject it (Entra ID v2: AADSTS9010010). The scope then has to name the API, e.g. --scope ''api://<app-id>/.default''. Example: --no-resource'
            cand --assume-pkce 'Use PKCE S256 even though the authorization server doesn''t advertise it (Entra ID supports it without saying so). Example: --assume-pkce'
            cand --no-browser 'Don''t open a browser; only print the sign-in URL on stderr. Example: --no-browser'
            cand --debug 'mcp-remote''s --debug: the same as --log-level debug'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mcp-tether;completions'= {
            cand --log-level 'How much to log: error, warn, info, debug or trace. Example: --log-level debug'
            cand --log-file 'Write logs to this file (appended) instead of stderr. Example: --log-file ~/mcp-tether.log'
            cand --debug 'mcp-remote''s --debug: the same as --log-level debug'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mcp-tether;help'= {
            cand login 'Sign in to a server in this terminal and store the token, so the bridge your host starts later just works. Example: mcp-tether login https://mcp.example.com/mcp'
            cand logout 'Remove stored tokens and client registrations (revoking them first where the server allows). Example: mcp-tether logout https://mcp.example.com/mcp'
            cand status 'List what is stored: server, issuer, client, scopes, expiry. Never the secrets'
            cand doctor 'Check a server''s authorization setup without relaying anything: what the bridge would discover, which client, scopes and flow it would use, and what to change when something would fail. Example: mcp-tether doctor https://mcp.example.com/mcp'
            cand completions 'Print a shell completion script. Example: mcp-tether completions zsh > ~/.zfunc/_mcp-tether'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mcp-tether;help;login'= {
        }
        &'mcp-tether;help;logout'= {
        }
        &'mcp-tether;help;status'= {
        }
        &'mcp-tether;help;doctor'= {
        }
        &'mcp-tether;help;completions'= {
        }
        &'mcp-tether;help;help'= {
        }
    ]
    $completions[$command]
}
