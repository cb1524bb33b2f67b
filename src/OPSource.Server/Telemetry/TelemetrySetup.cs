using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OPSource.Platform.Modules;
using OPSource.Platform.Security;
using OPSource.Server.Security;

namespace OPSource.Server.Telemetry;

/// <summary>
/// OpenTelemetry for the host: traces of every request when <c>Telemetry:OtlpEndpoint</c> is set (W3C trace
/// context and <c>trace_id</c> in problems always) and metrics from ASP.NET Core (request rate and latency: <c>http.server.request.duration</c>), the
/// platform and every meter a module declared (<see cref="ModuleRegistration.AddMeter"/>), exported to
/// Prometheus at <c>/metrics</c> (viewer token or a raw API key) and, when <c>Telemetry:OtlpEndpoint</c>
/// is set, over OTLP.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The host's own meter and activity source name.</summary>
    public const string ServerSource = "OPSource.Server";

    internal static IServiceCollection AddOpsourceTelemetry(this IServiceCollection services, TelemetryOptions options)
    {
        // Module meters are known once every module registered (they were added before this call).
        var meters = services.Where(d => d.ServiceType == typeof(ModuleMeter) && d.ImplementationInstance is ModuleMeter)
            .Select(d => ((ModuleMeter)d.ImplementationInstance!).Name)
            .Append(ServerSource)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName, serviceVersion: ServerRuntime.Version))
            .WithMetrics(m =>
            {
                m.AddAspNetCoreInstrumentation().AddMeter(meters);
                if (options.Prometheus)
                {
                    m.AddPrometheusExporter();
                }

                if (!string.IsNullOrEmpty(options.OtlpEndpoint))
                {
                    m.AddOtlpExporter(o => Configure(o, options, "/v1/metrics"));
                }
            });

        // Traces are recorded only when they have somewhere to go: without an exporter, recording every request's
        // span (tags, sampling) would be pure cost. The request's trace context exists either way (ASP.NET Core
        // starts an Activity per request and honours the caller's traceparent), so problems carry trace_id.
        if (!string.IsNullOrEmpty(options.OtlpEndpoint))
        {
            otel.WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/metrics", StringComparison.Ordinal))
                .AddSource(ServerSource)
                .AddOtlpExporter(o => Configure(o, options, "/v1/traces")));
        }

        return services;
    }

    internal static void MapMetrics(this WebApplication app, TelemetryOptions options)
    {
        if (options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint("/metrics").RequireRole(ApiRole.Viewer).AcceptApiKey().DisableRateLimiting();
        }
    }

    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions options, string signalPath)
    {
        if (string.Equals(options.OtlpProtocol, "http/protobuf", StringComparison.Ordinal))
        {
            // OTLP/HTTP endpoints name the signal path (OTLP specification, "OTLP/HTTP Request").
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            exporter.Endpoint = new Uri(options.OtlpEndpoint.TrimEnd('/') + signalPath);
        }
        else
        {
            exporter.Protocol = OtlpExportProtocol.Grpc;
            exporter.Endpoint = new Uri(options.OtlpEndpoint);
        }
    }
}
