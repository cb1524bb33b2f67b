using System.Net;
using System.Text.Json.Nodes;

namespace OPSource.Server.Tests;

/// <summary>Assertions on the host's answers shared by the endpoint tests: a status with its JSON body, and RFC 9457 problems.</summary>
internal static class ProblemAssert
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Asserts <paramref name="status"/> (the body in the message otherwise) and returns the parsed body.</summary>
    public static async Task<JsonNode> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Asserts a problem+json answer: status, code, a one-line detail containing <paramref name="detailContains"/>, no stack trace.</summary>
    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code, string detailContains)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ExpectAsync(response, status);
        Assert.Equal(code, (string)problem["code"]!);
        Assert.Equal((int)status, (int)problem["status"]!);
        var detail = (string?)problem["detail"] ?? "";
        Assert.Contains(detailContains, detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', detail);
        Assert.DoesNotContain("   at ", problem.ToJsonString(), StringComparison.Ordinal);
    }
}
