using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OPSource.Server.Http;
using OPSource.Server.Telemetry;

namespace OPSource.Server.Tests;

/// <summary>The batched stdout log writer and the request ids.</summary>
public sealed class JsonLinesLoggerTests
{
    private static ConsoleFormatter JsonFormatter(ServiceProvider services) =>
        services.GetServices<ConsoleFormatter>().Single(f => f.Name == ConsoleFormatterNames.Json);

    [Fact]
    public void Every_line_is_written_whole_in_order_per_thread_with_its_scope_when_disposed()
    {
        using var services = new ServiceCollection().AddLogging(b => b.AddJsonConsole(o => o.IncludeScopes = true)).BuildServiceProvider();
        var output = new MemoryStream();
        var provider = new JsonLinesLoggerProvider(JsonFormatter(services), output);
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
        using var provider = new JsonLinesLoggerProvider(JsonFormatter(services), output);
        provider.CreateLogger("c").LogWarning("first");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (output.Length == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        Assert.Contains("\"Message\":\"first\"", output.Text, StringComparison.Ordinal);
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
}
