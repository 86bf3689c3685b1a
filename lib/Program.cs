using LlmNotebooks.Cli;

return await CommandLine.RunAsync(args);
