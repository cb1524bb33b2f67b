using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OPSource.Cli;

/// <summary>
/// How a CLI command reaches the running <c>opsource serve</c> (like bitcoin-cli reaches bitcoind): the server URL
/// (<c>--server</c>, else <c>OPSOURCE_SERVER_URL</c>, else the first <c>Server:Urls</c> entry of the configuration)
/// and an API key (<c>--api-key-file FILE|-</c>, else <c>OPSOURCE_API_KEY</c>) that is exchanged for an access token.
/// </summary>
internal sealed class RemoteOptions
{
    public Option<string?> Server { get; } = new("--server") { Description = "URL of the running server (default: OPSOURCE_SERVER_URL, else the first Server:Urls entry)" };

    public Option<string?> ApiKeyFile { get; } = new("--api-key-file") { Description = "File holding an operator API key, or '-' for standard input (default: OPSOURCE_API_KEY)" };

    public void AddTo(Command command)
    {
        command.Add(Server);
        command.Add(ApiKeyFile);
    }

    /// <summary>Resolves the URL and key and signs in (POST /api/v1/auth/token).</summary>
    public async Task<ServerClient> ConnectAsync(CliContext ctx, ParseResult parse, CancellationToken cancellationToken)
    {
        var url = parse.GetValue(Server) ?? Environment.GetEnvironmentVariable("OPSOURCE_SERVER_URL");
        if (string.IsNullOrWhiteSpace(url))
        {
            var (options, _) = Commands.ConfigCommand.Load(ctx.Overrides);
            url = OPSource.Server.OpsourceOptionsValidator.SplitUrls(options.Server.Urls).FirstOrDefault() ?? OPSource.Server.ServerOptions.DefaultUrls;
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliUserException($"--server: '{CliOptions.Shorten(url)}' is not an http(s)://host:port URL");
        }

        if (!baseUri.AbsolutePath.EndsWith('/'))
        {
            baseUri = new Uri(baseUri.GetLeftPart(UriPartial.Path) + "/");
        }

        using var key = ReadApiKey(ctx, parse.GetValue(ApiKeyFile));
        var client = new ServerClient(baseUri);
        try
        {
            await client.SignInAsync(key.Memory, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static SecretInput ReadApiKey(CliContext ctx, string? source)
    {
        if (source is not null)
        {
            var fromFile = SecretInput.Read(ctx, source, "--api-key-file", "API key");
            if (fromFile.IsEmpty)
            {
                fromFile.Dispose();
                throw new CliUserException("--api-key-file: the file is empty");
            }

            return fromFile;
        }

        var fromEnv = Environment.GetEnvironmentVariable("OPSOURCE_API_KEY");
        if (string.IsNullOrWhiteSpace(fromEnv))
        {
            throw new CliUserException("this command talks to the running server: give --api-key-file FILE|- or set OPSOURCE_API_KEY (an operator key from 'opsource apikey create --role operator')");
        }

        return SecretInput.FromChars(fromEnv.Trim().ToCharArray());
    }
}

/// <summary>
/// A small JSON client for the server's <c>/api/v1</c> routes: bearer token from an API key, request bodies written
/// with secrets straight from char buffers (never strings) into a buffer that is cleared after sending, and
/// problem+json answers turned into one-line CLI errors (exit 1).
/// </summary>
internal sealed class ServerClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _base;

    public ServerClient(Uri baseUri)
    {
        _base = baseUri;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
    }

    /// <summary>The server's root URL.</summary>
    public Uri BaseUri => _base;

    public void Dispose() => _http.Dispose();

    /// <summary>Exchanges the API key for an access token and uses it from now on.</summary>
    public async Task SignInAsync(ReadOnlyMemory<char> apiKey, CancellationToken cancellationToken)
    {
        var token = await PostAsync("auth/token", w => w.WriteString("api_key", apiKey.Span), cancellationToken).ConfigureAwait(false);
        var access = (string?)token["access_token"] ?? throw new CliUserException($"server {_base}: the token answer has no access_token");
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);
    }

    /// <summary>POSTs a JSON object written by <paramref name="write"/> to <c>/api/v1/{path}</c>; returns the JSON answer.</summary>
    public async Task<JsonNode> PostAsync(string path, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        try
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                write(writer);
                writer.WriteEndObject();
            }

            using var content = new ReadOnlyMemoryContent(buffer.WrittenMemory);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return await SendAsync(new HttpRequestMessage(HttpMethod.Post, Url(path)) { Content = content }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The body may have held a passphrase.
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer.WrittenMemory).Span);
        }
    }

    private Uri Url(string path) => new(_base, "api/v1/" + path);

    private async Task<JsonNode> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new CliUserException($"no OPSource server answers at {_base} ({ex.Message}); start it with 'opsource serve' or give --server URL", ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliUserException($"the server at {_base} did not answer within {_http.Timeout.TotalSeconds:0} s", ex);
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                JsonNode? json = null;
                try
                {
                    json = text.Length == 0 ? null : JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                    // Not JSON: reported below.
                }

                if (response.IsSuccessStatusCode && json is not null)
                {
                    return json;
                }

                // RFC 9457 problem+json: detail (or title) and code.
                var detail = (string?)json?["detail"] ?? (string?)json?["title"] ?? CliOptions.Shorten(text);
                var code = (string?)json?["code"];
                var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                throw new CliUserException(code is null ? $"server {status}: {detail}" : $"{detail} (server {status} {code})");
            }
        }
    }
}
