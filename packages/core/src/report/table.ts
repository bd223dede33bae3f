// Moved to @whittle/report; this re-export keeps '../report/table.js' imports working. New code imports '@whittle/report'.
export * from '@whittle/report';
