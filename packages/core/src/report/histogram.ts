// Moved to @whittle/report; this re-export keeps '../report/histogram.js' imports working. New code imports '@whittle/report'.
export * from '@whittle/report';
