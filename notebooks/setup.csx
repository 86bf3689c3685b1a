// The second cell of every notebook loads this file (#load "setup.csx"), after the parameters: it references the
// library that check.csx found built and current, with the packages whose types the notebooks use, and starts torch.
// `session.DataFolder` is where the datasets are; `smoke` says whether this is a seconds-long test run.
#r "../bin/Release/net10.0/LlmNotebooks.dll"
#r "../bin/Release/net10.0/TorchSharp.dll"
#r "../bin/Release/net10.0/Microsoft.ML.Tokenizers.dll"

var session = LlmNotebooks.Notebooks.NotebookSession.Start(dataFolder);
var smoke = scale == "smoke";
