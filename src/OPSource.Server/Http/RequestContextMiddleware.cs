using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OPSource.Server.Security;

namespace OPSource.Server.Http;

/// <summary>
/// Request ids: a caller's <c>X-Request-Id</c> is kept when it is 1-64 characters of
/// <c>A-Z a-z 0-9 . _ : -</c>, otherwise a fresh id is made; the id is echoed in the response header,
/// becomes <see cref="HttpContext.TraceIdentifier"/> and every problem's <c>request_id</c>.
/// </summary>
public static partial class RequestIds
{
    /// <summary>The header name.</summary>
    public const string Header = "X-Request-Id";

    /// <summary>Middleware that assigns the request id (first in the pipeline).</summary>
    public static async Task AssignAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var given = context.Request.Headers[Header].ToString();
        var id = given.Length > 0 && Pattern().IsMatch(given) ? given : Guid.NewGuid().ToString("N");
        context.TraceIdentifier = id;
        context.Response.OnStarting(static state =>
        {
            var ctx = (HttpContext)state;
            ctx.Response.Headers[Header] = ctx.TraceIdentifier;
            return Task.CompletedTask;
        }, context);
        await next(context).ConfigureAwait(false);
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}

/// <summary>
/// Puts <c>RequestId</c> and <c>KeyId</c> (the credential id of the token, never the token) into the
/// log scope of everything logged while the request runs, including the request log line.
/// </summary>
internal sealed class RequestLogScopeMiddleware(RequestDelegate next, ILogger<RequestLogScopeMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var keyId = context.GetApiPrincipal()?.CredentialId;
        using (logger.BeginScope(new RequestLogScope(context.TraceIdentifier, keyId)))
        {
            await next(context).ConfigureAwait(false);
        }
    }
}

/// <summary>The log scope state: enumerates as the structured properties RequestId and KeyId.</summary>
internal sealed class RequestLogScope(string requestId, string? keyId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("RequestId", requestId),
        1 => new("KeyId", keyId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => keyId is null ? $"RequestId:{requestId}" : $"RequestId:{requestId} KeyId:{keyId}";
}
