using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OPSource.Cli.Tests;

/// <summary>The real <c>opsource</c> process: SIGTERM must stop it gracefully with exit code 0.</summary>
public sealed class ServeProcessTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-cli-proc-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Sigterm_stops_serve_gracefully_with_exit_0()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Skip("POSIX signals only");
        }

        var ct = TestContext.Current.CancellationToken;
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var exe = Path.Combine(AppContext.BaseDirectory, "opsource.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { exe, "serve", "--data-dir", _dataDir, "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var up = false;
            for (var i = 0; i < 300 && !up && !process.HasExited; i++)
            {
                try
                {
                    up = (await http.GetAsync($"http://127.0.0.1:{port}/api/v1/health", ct)).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100, ct);
                }
            }

            Assert.True(up, "serve did not answer /api/v1/health: " + (process.HasExited ? await stderr : "still starting"));
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(ct);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
            var log = await stdout;
            Assert.Contains("Application is shutting down", log, StringComparison.Ordinal);
            Assert.Empty(await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
