using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OPSource.Server.Http;
using OPSource.Server.Telemetry;

namespace OPSource.Server.Tests;

/// <summary>The batched stdout log writer and the request ids.</summary>
public sealed partial class JsonLinesLoggerTests
{
    private static ConsoleFormatter JsonFormatter(ServiceProvider services) =>
        services.GetServices<ConsoleFormatter>().Single(f => f.Name == ConsoleFormatterNames.Json);

    private static IOptionsMonitor<JsonConsoleFormatterOptions> JsonOptions(ServiceProvider services) =>
        services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>();

    [Fact]
    public void Every_line_is_written_whole_in_order_per_thread_with_its_scope_when_disposed()
    {
        using var services = new ServiceCollection().AddLogging(b => b.AddJsonConsole(o => o.IncludeScopes = true)).BuildServiceProvider();
        var output = new MemoryStream();
        var provider = new JsonLinesLoggerProvider(JsonOptions(services), output);
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Information));
        const int threads = 4, lines = 3000;
        Parallel.For(0, threads, t =>
        {
            var logger = factory.CreateLogger("cat" + t);
            using (logger.BeginScope(new Dictionary<string, object?> { ["RequestId"] = "r" + t }))
            {
                for (var i = 0; i < lines; i++)
                {
                    logger.LogInformation("line {Thread} {Index} ü€𝄞", t, i);
                }
            }
        });
        factory.Dispose();
        // A provider added as an instance is not disposed by the factory; the host's is (DI created it).
        provider.Dispose();

        var next = new int[threads];
        var all = Encoding.UTF8.GetString(output.ToArray());
        var written = all.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(threads * lines, System.Text.RegularExpressions.Regex.Count(all, "\"Category\""));
        Assert.Equal(threads * lines, written.Length);
        foreach (var text in written)
        {
            var line = JsonNode.Parse(text)!;
            var t = (int)line["State"]!["Thread"]!;
            Assert.Equal(next[t]++, (int)line["State"]!["Index"]!);
            Assert.Equal("cat" + t, (string?)line["Category"]);
            Assert.EndsWith("ü€𝄞", (string?)line["Message"], StringComparison.Ordinal);
            Assert.Equal("r" + t, (string?)line["Scopes"]![0]!["RequestId"]);
        }
    }

    [Fact]
    public void Lines_reach_the_output_without_waiting_for_shutdown()
    {
        using var services = new ServiceCollection().AddLogging(b => b.AddJsonConsole()).BuildServiceProvider();
        var output = new SynchronizedStream();
        using var provider = new JsonLinesLoggerProvider(JsonOptions(services), output);
        provider.CreateLogger("c").LogWarning("first");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (output.Length == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        Assert.Contains("\"Message\":\"first\"", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_are_the_json_console_formatters_byte_for_byte()
    {
        using var services = new ServiceCollection().AddLogging(b => b.AddJsonConsole(o => o.IncludeScopes = true)).BuildServiceProvider();
        var scopes = new LoggerExternalScopeProvider();
        var ours = new JsonLineFormatter(JsonOptions(services));
        var logger = new ComparingLogger(JsonFormatter(services), ours, scopes);
        Exception thrown;
        try
        {
            throw new InvalidOperationException("bad\nthing \"quoted\" ü");
        }
        catch (InvalidOperationException ex)
        {
            thrown = ex;
        }

        // No scope, then every kind of scope the host pushes: structured (the request's), plain text, a dictionary
        // of mixed values.
        logger.LogInformation("plain {Count} {Name} {When} {Nothing} {Flag} {Ratio}", 3, "ü€𝄞 \"x\"", new DateTime(2026, 12, 8, 1, 2, 3, DateTimeKind.Utc), null, true, 0.1 + 0.2);
        using (scopes.Push(new RequestLogScope("r1") { KeyId = "k1" }))
        using (scopes.Push("text scope <&>"))
        using (scopes.Push(new Dictionary<string, object?> { ["Char"] = 'c', ["Big"] = 12345678901234L, ["Dec"] = 1.5m, ["U"] = 7u, ["Null"] = null, ["Guid"] = Guid.Empty }))
        {
            LogRequest(logger, "GET", new Microsoft.AspNetCore.Http.PathString("/api/v1/a b/ü"), 200, 0.41234);
            logger.Log(LogLevel.Information, new EventId(3), "a state that is only text", null, static (state, _) => state);
            logger.LogError(new EventId(7, "Boom"), thrown, "failed {Code}", "x.y");
            logger.LogWarning("no properties");
            logger.LogDebug(thrown, null);
        }

        // A scope whose text is made by logging (formatting on the same thread while a line is being formatted).
        using (scopes.Push(new LoggingScope(ours)))
        {
            logger.LogInformation("outer {Value}", 1);
        }

        Assert.Equal(7, logger.Compared);
    }

    [Fact]
    public void Fresh_request_ids_are_32_hex_digits_and_distinct()
    {
        var ids = Enumerable.Range(0, 10_000).AsParallel().Select(_ => RequestIds.NewId()).ToList();
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    private sealed class SynchronizedStream : MemoryStream
    {
        private readonly Lock _gate = new();

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return Encoding.UTF8.GetString(ToArray());
                }
            }
        }

        public override long Length
        {
            get
            {
                lock (_gate)
                {
                    return base.Length;
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_gate)
            {
                base.Write(buffer, offset, count);
            }
        }
    }

    // The request log line's shape (RequestLogMiddleware): a source-generated state with a format specifier.
    [LoggerMessage(EventId = 1, EventName = "RequestLog", Level = LogLevel.Information, Message = "{RequestMethod} {Path} {StatusCode} {Duration:0.###} ms")]
    private static partial void LogRequest(ILogger logger, string requestMethod, Microsoft.AspNetCore.Http.PathString path, int statusCode, double duration);

    private sealed class LoggingScope(JsonLineFormatter formatter) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] => new("Inner", "yes");

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString()
        {
            var inner = new Microsoft.Extensions.Logging.Abstractions.LogEntry<string>(LogLevel.Information, "inner", default, "inner line", null, static (s, _) => s);
            Assert.StartsWith("{\"EventId\":0", Encoding.UTF8.GetString(formatter.Format(in inner, null)!), StringComparison.Ordinal);
            return "logged while formatting";
        }
    }

    /// <summary>Formats every entry with both the JSON console formatter and <see cref="JsonLineFormatter"/> and asserts the same text.</summary>
    private sealed class ComparingLogger(ConsoleFormatter reference, JsonLineFormatter ours, IExternalScopeProvider scopes) : ILogger
    {
        public int Compared { get; private set; }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = new Microsoft.Extensions.Logging.Abstractions.LogEntry<TState>(logLevel, "Some.Category", eventId, state, exception, formatter);
            using var expected = new StringWriter();
            reference.Write(in entry, scopes, expected);
            var actual = ours.Format(in entry, scopes);
            Assert.NotNull(actual);
            Assert.True(expected.ToString() == Encoding.UTF8.GetString(actual), "expected:\n" + expected + "\nactual:\n" + Encoding.UTF8.GetString(actual));
            Compared++;
        }
    }
}
