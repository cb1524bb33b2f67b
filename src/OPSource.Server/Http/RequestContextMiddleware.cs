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
        var id = given.Length > 0 && Pattern().IsMatch(given) ? given : NewId();
        context.TraceIdentifier = id;
        context.Response.OnStarting(static state =>
        {
            var ctx = (HttpContext)state;
            ctx.Response.Headers[Header] = ctx.TraceIdentifier;
            return Task.CompletedTask;
        }, context);
        await next(context).ConfigureAwait(false);
    }

    /// <summary>
    /// A fresh id: 32 lowercase hex digits, this process's random 64-bit prefix and a 64-bit sequence number. Unique
    /// without a random-number syscall per request (<see cref="Guid.NewGuid"/> makes one); a request id is a
    /// correlation handle, not a secret.
    /// </summary>
    internal static string NewId() => string.Create(32, Interlocked.Increment(ref s_sequence), static (chars, sequence) =>
    {
        s_prefix.TryFormat(chars, out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
        sequence.TryFormat(chars[16..], out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
    });

    private static readonly ulong s_prefix = BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(sizeof(ulong)));

    private static ulong s_sequence;

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}

/// <summary>
/// The request log: one line per request (method, path without query string, status, duration in ms) under the
/// category <see cref="Category"/> (the name ASP.NET Core's HttpLogging middleware logged under, so existing log
/// filters keep working), and the scope properties <c>RequestId</c> and <c>KeyId</c> (the credential id of the token,
/// never the token) on everything logged while the request runs, the request line included. A source-generated
/// <see cref="LoggerMessage"/> with no header, body or query-string access: the line costs one formatted log entry.
/// </summary>
/// <remarks>
/// Runs first after the request id (<see cref="RequestIds"/>), before the exception handler, so the line carries the
/// status the client really got (also for errors turned into problems); <see cref="SetKeyIdAsync"/> (after
/// authentication) fills in the key id.
/// </remarks>
internal sealed partial class RequestLogMiddleware(RequestDelegate next, ILoggerFactory loggers)
{
    /// <summary>The log category of the request lines.</summary>
    public const string Category = "Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware";

    private readonly ILogger _logger = loggers.CreateLogger(Category);

    public async Task InvokeAsync(HttpContext context)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var scope = new RequestLogScope(context.TraceIdentifier);
        context.Features.Set(scope);
        var failed = false;
        using (_logger.BeginScope(scope))
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch
            {
                failed = true;
                throw;
            }
            finally
            {
                // An exception that escaped the exception handler ends the connection with a 500.
                var status = failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
                LogRequest(_logger, context.Request.Method, context.Request.Path, status, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }

    /// <summary>Middleware (after authentication): the caller's credential id joins the request's log scope.</summary>
    public static Task SetKeyIdAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.User.Identity is { IsAuthenticated: true } && context.Features.Get<RequestLogScope>() is { } scope)
        {
            scope.KeyId = context.GetApiPrincipal()?.CredentialId;
        }

        return next(context);
    }

    [LoggerMessage(EventId = 1, EventName = "RequestLog", Level = LogLevel.Information, Message = "{RequestMethod} {Path} {StatusCode} {Duration:0.###} ms")]
    private static partial void LogRequest(ILogger logger, string requestMethod, PathString path, int statusCode, double duration);
}

/// <summary>
/// The request's log scope state: enumerates as the structured properties RequestId and KeyId. The key id is set
/// once the caller is authenticated (null for anonymous requests).
/// </summary>
internal sealed class RequestLogScope(string requestId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public string RequestId { get; } = requestId;

    public string? KeyId { get; set; }

    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("RequestId", RequestId),
        1 => new("KeyId", KeyId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => KeyId is null ? $"RequestId:{RequestId}" : $"RequestId:{RequestId} KeyId:{KeyId}";
}
