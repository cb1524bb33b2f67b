using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OPSource.Platform.Errors;

namespace OPSource.Server.Http;

/// <summary>
/// RFC 9457 problem+json for every error the API returns: <c>type</c>, <c>title</c>, <c>status</c>,
/// <c>detail</c>, plus <c>code</c> (the typed error kind, snake_case) and <c>request_id</c>. Never a stack
/// trace, an exception message of an unexpected error, or a secret.
/// </summary>
public static class ProblemResponses
{
    /// <summary>The problem <c>type</c> of a domain error code.</summary>
    public static string TypeFor(string code) => "urn:opsource:error:" + code;

    /// <summary>The HTTP status of a domain error category.</summary>
    public static int StatusFor(ErrorCategory category) => category switch
    {
        ErrorCategory.InvalidInput => StatusCodes.Status400BadRequest,
        ErrorCategory.NotFound => StatusCodes.Status404NotFound,
        ErrorCategory.Conflict => StatusCodes.Status409Conflict,
        ErrorCategory.Refused => StatusCodes.Status422UnprocessableEntity,
        ErrorCategory.Unauthenticated => StatusCodes.Status401Unauthorized,
        ErrorCategory.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCategory.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The default code for a status that no domain error named.</summary>
    public static string CodeFor(int status) => status switch
    {
        400 => "invalid_request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "refused",
        429 => "rate_limited",
        503 => "unavailable",
        >= 500 => "internal_error",
        _ => "error",
    };

    /// <summary>Writes a problem response (the request must not have started its response).</summary>
    public static async Task WriteAsync(HttpContext context, int status, string code, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        var problem = new ProblemDetails
        {
            Status = status,
            Title = TitleFor(status),
            Detail = detail,
            Type = TypeFor(code),
        };
        problem.Extensions["code"] = code;
        var service = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).ConfigureAwait(false);
    }

    /// <summary>Adds <c>code</c> and <c>request_id</c> to every problem the framework writes.</summary>
    internal static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        if (!problem.Extensions.ContainsKey("code"))
        {
            problem.Extensions["code"] = CodeFor(status);
        }

        problem.Extensions.Remove("traceId");
        problem.Extensions["request_id"] = context.HttpContext.TraceIdentifier;
        if (Activity.Current is { } activity)
        {
            problem.Extensions["trace_id"] = activity.TraceId.ToString();
        }
    }

    private static string TitleFor(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Error",
    };
}

/// <summary>
/// Turns exceptions into problems: typed domain refusals (<see cref="DomainErrorMapper"/>) keep their
/// message and code with the category's status; malformed requests (bad JSON, body too large) get
/// 400/413; anything else is an internal error (500, message not shown, logged with the request id).
/// </summary>
internal sealed partial class DomainExceptionHandler(DomainErrorMapper mapper, IProblemDetailsService problems, ILogger<DomainExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        int status;
        string code;
        string detail;
        int? position = null;
        if (mapper.TryMap(exception) is { } error)
        {
            status = ProblemResponses.StatusFor(error.Category);
            code = error.Code;
            detail = error.Detail;
            position = error.Position;
        }
        else if (exception is BadHttpRequestException bad)
        {
            status = bad.StatusCode;
            code = ProblemResponses.CodeFor(status);
            detail = status == StatusCodes.Status413PayloadTooLarge
                ? "the request body is larger than Server:MaxRequestBodyBytes allows"
                : "the request is malformed: " + FirstSentence(bad.Message);
        }
        else if (exception is System.Text.Json.JsonException)
        {
            status = StatusCodes.Status400BadRequest;
            code = "invalid_json";
            detail = "the request body is not valid JSON for this operation";
        }
        else
        {
            LogUnhandled(logger, exception.GetType().Name, httpContext.TraceIdentifier, exception);
            status = StatusCodes.Status500InternalServerError;
            code = "internal_error";
            detail = "an internal error occurred; quote the request_id when reporting it";
        }

        httpContext.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Detail = detail, Type = ProblemResponses.TypeFor(code) };
        problem.Extensions["code"] = code;
        if (position is { } at)
        {
            // A typed input error's position (character index or byte offset, docs/errors.md).
            problem.Extensions["position"] = at;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }).ConfigureAwait(false);
    }

    private static string FirstSentence(string message)
    {
        var line = message.ReplaceLineEndings(" ");
        var cut = line.IndexOf(". ", StringComparison.Ordinal);
        return (cut > 0 ? line[..cut] : line).TrimEnd('.');
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "unhandled {ExceptionType} in request {RequestId}")]
    private static partial void LogUnhandled(ILogger logger, string exceptionType, string requestId, Exception exception);
}
