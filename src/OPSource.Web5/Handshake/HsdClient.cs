using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Handshake;

/// <summary>An hsd JSON-RPC call failed: the node answered with an error, or could not be reached.</summary>
public sealed class HsdRpcException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HsdRpcException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public HsdRpcException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public HsdRpcException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>hsd's error code, when it answered with one.</summary>
    public int? Code { get; init; }
}

/// <summary>
/// JSON-RPC over HTTP to an hsd node (or its wallet): POST <c>{"method", "params"}</c> to the base URL with
/// HTTP basic auth (user <c>x</c>, the API key as password), as hsd's http server expects.
/// </summary>
public sealed class HsdClient
{
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly AuthenticationHeaderValue? _auth;

    /// <summary>Creates a client for <paramref name="url"/>; <paramref name="apiKey"/> null for a node without one.</summary>
    public HsdClient(HttpClient http, Uri url, string? apiKey)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _url = url ?? throw new ArgumentNullException(nameof(url));
        _auth = string.IsNullOrEmpty(apiKey) ? null : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("x:" + apiKey)));
    }

    /// <summary>The node's URL.</summary>
    public Uri Url => _url;

    /// <summary>Calls <paramref name="method"/>; the result (null for JSON null).</summary>
    public async Task<JsonNode?> CallAsync(string method, JsonArray? parameters, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["method"] = method, ["params"] = parameters ?? [] };
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = _auth;
        JsonObject answer;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                throw new HsdRpcException($"hsd {method}: unauthorized (check the API key)");
            }

            try
            {
                answer = JsonNode.Parse(text) as JsonObject ?? throw new HsdRpcException($"hsd {method}: the answer is not a JSON object (HTTP {(int)response.StatusCode})");
            }
            catch (JsonException e)
            {
                throw new HsdRpcException($"hsd {method}: the answer is not JSON (HTTP {(int)response.StatusCode})", e);
            }
        }
        catch (HttpRequestException e)
        {
            throw new HsdRpcException($"hsd {method}: cannot reach {_url}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HsdRpcException($"hsd {method}: {_url} timed out", e);
        }

        if (answer["error"] is JsonObject error)
        {
            throw new HsdRpcException($"hsd {method}: {error.GetString("message") ?? error.ToJsonString()}") { Code = (int?)error.GetInt64("code") };
        }

        return answer["result"]?.DeepClone();
    }

    /// <summary>Calls with positional arguments (strings, numbers, booleans, JSON nodes).</summary>
    public Task<JsonNode?> CallAsync(string method, CancellationToken cancellationToken, params JsonNode?[] args) =>
        CallAsync(method, new JsonArray([.. args.Select(a => a?.DeepClone())]), cancellationToken);
}
