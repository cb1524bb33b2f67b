using System.CommandLine;
using System.Globalization;
using OPSource.Chain.Rpc;
using OPSource.Node;

namespace OPSource.Cli.Commands;

/// <summary><c>opsource node info|status</c>: the Bitcoin Core connection and the node's sync state.</summary>
internal static class NodeCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("node", "The Bitcoin Core node OPSource uses (section Node in the configuration)");

        var info = new Command("info", "Show the node connection (password redacted) and the node's version and chain").WithExamples(
            "opsource node info",
            "opsource node info --network regtest --json",
            "OPSOURCE_Node__RpcUrl=http://127.0.0.1:18443 OPSOURCE_Node__CookieFile=~/.bitcoin/regtest/.cookie opsource node info --network regtest");
        info.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var statusService = services.Get<NodeStatusService>();
            var status = await QueryAsync(statusService, token).ConfigureAwait(false);
            var json = NodeStatusJson.Settings(statusService.Options);
            json["version"] = status.VersionText;
            json["subversion"] = status.Subversion;
            json["network"] = status.Network.Name;
            json["chain"] = status.Chain;
            json["network_matches"] = status.NetworkMatches;
            ctx.WriteResult(json, w =>
            {
                var o = statusService.Options;
                w.WriteLine($"node:     {o.RpcUrl} ({o.DescribeAuth()})");
                w.WriteLine($"version:  Bitcoin Core {status.VersionText} ({status.Subversion})");
                w.WriteLine($"chain:    {status.Chain} ({(status.NetworkMatches ? "matches" : "DOES NOT match")} network {status.Network.Name})");
                w.WriteLine(o.ZmqBlock is null && o.ZmqTx is null
                    ? $"zmq:      not configured (polling every {o.PollIntervalSeconds.ToString(CultureInfo.InvariantCulture)} s)"
                    : $"zmq:      block {o.ZmqBlock?.ToString() ?? "-"}, tx {o.ZmqTx?.ToString() ?? "-"}");
            });
            return CliApp.ExitOk;
        }, ct));

        var statusCommand = new Command("status", "Show the node's height, sync state, tip and mempool").WithExamples(
            "opsource node status",
            "opsource node status --json | jq .sync_lag_blocks",
            "opsource node status --network testnet --data-dir /srv/opsource");
        statusCommand.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var statusService = services.Get<NodeStatusService>();
            var s = await QueryAsync(statusService, token).ConfigureAwait(false);
            ctx.WriteResult(NodeStatusJson.Status(s, statusService.Options), w =>
            {
                w.WriteLine($"chain:    {s.Chain}, height {s.Blocks} (headers {s.Headers}, {s.SyncLag} behind)");
                w.WriteLine($"tip:      {s.BestBlockHash} at {s.TipTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}");
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sync:     {(s.InitialBlockDownload ? "initial block download" : "synced")}, {s.VerificationProgress * 100:0.##}% verified{(s.Pruned ? ", pruned" : "")}"));
                w.WriteLine($"peers:    {s.Connections}");
                w.WriteLine($"mempool:  {s.Mempool.Size} tx, {s.Mempool.Bytes} vB, fees {s.Mempool.TotalFee.ToBtcString()} BTC, min {s.Mempool.MempoolMinFee}");
                foreach (var warning in s.Warnings)
                {
                    w.WriteLine($"warning:  {warning}");
                }
            });
            return CliApp.ExitOk;
        }, ct));

        command.Add(info);
        command.Add(statusCommand);
        return command;
    }

    private static async Task<NodeStatus> QueryAsync(NodeStatusService service, CancellationToken cancellationToken)
    {
        try
        {
            return await service.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BitcoinRpcException ex)
        {
            // Not configured, unreachable, refused credentials: the operator fixes the configuration or the node.
            throw new CliUserException(ex.Message, ex);
        }
    }
}
